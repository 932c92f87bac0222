"""Tenant-owned objects of the documents register for the isolation walk (test_isolation.py)."""

from __future__ import annotations

import io

from portal.documents import operations
from portal.documents.models import DocumentKind
from tests.document_files import pdf

PDF = pdf("isolation walk")


def _version(factory, org):
    """A stored PDF of the organization: the walk must never get it for a foreign user."""
    upload = operations.Upload(kind=DocumentKind.REGULATION, order_number=f"ORDER-OF-{org.name}",
                               stream=io.BytesIO(PDF), filename="regulation.pdf")
    return operations.add_version(org, upload, None)


def _document(factory, org):
    return _version(factory, org).document


BUILDERS = {"document_id": _document, "version_id": _version}
