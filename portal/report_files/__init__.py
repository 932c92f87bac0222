"""Report files: XLSX/CSV templates and exports, the pure parser, preview and confirmation."""
