"""The change stage 2 shows: after − before per question and side, per pair and overall.

Pure functions of the answer rows (:data:`portal.monitoring.queries.ANSWER_COLUMNS`),
computed with pandas. A respondent is one participant of one pair; the change counts only
respondents who answered both before and after.
"""

from __future__ import annotations

import pandas as pd

from portal.monitoring.definitions import QUESTION, Stage
from portal.monitoring.queries import ANSWER_COLUMNS

CHANGE_COLUMNS = ["before", "after", "change", "respondents"]


def answer_frame(rows: list[tuple]) -> pd.DataFrame:
    """The rows as a frame; side and stage as their plain values."""
    frame = pd.DataFrame(rows, columns=list(ANSWER_COLUMNS))
    for column in ("side", "stage"):
        frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    frame["value"] = frame["value"].astype(float)
    return frame


def _paired(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent and question with both answers: before, after, change."""
    keys = ["pair_id", "participant_id", "side", "question"]
    wide = frame.pivot_table(index=keys, columns="stage", values="value", aggfunc="first")
    wide = wide.reindex(columns=[Stage.BEFORE.value, Stage.AFTER.value]).dropna()
    wide.columns = ["before", "after"]
    wide["change"] = wide["after"] - wide["before"]
    return wide.reset_index()


def _summary(paired: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if paired.empty:
        return pd.DataFrame(columns=by + CHANGE_COLUMNS)
    grouped = paired.groupby(by)
    summary = grouped[["before", "after", "change"]].mean()
    summary["respondents"] = grouped.size()
    return summary.reset_index()


def changes_per_pair(frame: pd.DataFrame) -> pd.DataFrame:
    """Per pair, side and question: mean before, after, change, and the respondents."""
    return _summary(_paired(frame), ["pair_id", "side", "question"])


def changes_overall(frame: pd.DataFrame) -> pd.DataFrame:
    """Per side and question over all the pairs: means and the respondents behind them."""
    return _summary(_paired(frame), ["side", "question"])


def table(summary: pd.DataFrame) -> dict[tuple, dict]:
    """The summary as ``{(…keys, side, question): {before, after, change, respondents}}``."""
    keys = [c for c in summary.columns if c not in CHANGE_COLUMNS]
    return {tuple(row[k] for k in keys): {c: row[c] for c in CHANGE_COLUMNS}
            for row in summary.to_dict("records")}


def scale_questions() -> list[str]:
    """The questions measured before and after (the change is defined for them)."""
    return [key for key, q in QUESTION.items() if len(q.stages) == 2]
