"""A network's case file as CSV tables in a zip, for people who open it in a spreadsheet: `network.csv` (one
row), `network_evidence.csv` (why the community was called a network), `members.csv`, `explanations.csv`
(every member's risk waterfall, one row per record), `shared_evidence.csv` and `links.csv` (which member links
which shared evidence node). The same content as the JSON case file; evidence is named by its keyed hash only."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any, Final

from fastapi import Response

from api.models import CaseFile

ZIP_MEDIA_TYPE: Final = "application/zip"
_UNSAFE_IN_NAME: Final = re.compile(r"[^A-Za-z0-9_.-]")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A value for a spreadsheet: text that a spreadsheet would run as a formula is quoted with a leading `'`
    (an account id is whatever the platform sent us)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return text.getvalue()


def case_tables(case: CaseFile) -> dict[str, str]:
    """The case file's CSV tables by file name."""
    network = case.network
    return {
        "network.csv": _table(
            ["network_id", "size", "risk", "verdict", "status", "run_id", "first_run_id", "members_in_case",
             "members_truncated", "generated_at"],
            [[network.network_id, network.size, network.risk, network.verdict, network.status, network.run_id,
              case.first_run_id, len(case.members), case.members_truncated, case.generated_at.isoformat()]]),
        "network_evidence.csv": _table(
            ["kind", "family", "description", "members", "share", "null_share", "evidence"],
            [[r.kind, r.family, r.description, r.members, r.share, r.null_share, r.evidence]
             for r in case.evidence_records]),
        "members.csv": _table(
            ["account_id", "verdict", "risk", "prior_risk", "label", "status", "created_at"],
            [[m.account_id, m.verdict, m.risk, m.prior_risk, m.label, m.status,
              m.created_at.isoformat() if m.created_at else None] for m in case.members]),
        "explanations.csv": _table(
            ["account_id", "rank", "kind", "description", "value", "weight", "log_odds", "contribution", "items",
             "shared_by"],
            [[m.account_id, rank, r.kind, r.description, r.value, r.weight, r.log_odds, r.contribution, r.items,
              r.shared_by] for m in case.members for rank, r in enumerate(m.evidence, start=1)]),
        "shared_evidence.csv": _table(
            ["evidence_id", "kind", "key", "shared_by", "members", "weight", "ignored"],
            [[e.id, e.kind, e.key, e.shared_by, e.members, e.weight, e.ignored] for e in case.shared_evidence]),
        "links.csv": _table(
            ["account_id", "evidence_id", "count", "first_seen", "last_seen"],
            [[link.account_id, link.evidence_id, link.count,
              link.first_seen.isoformat() if link.first_seen else None,
              link.last_seen.isoformat() if link.last_seen else None] for link in case.links]),
    }


def case_file_zip(case: CaseFile) -> Response:
    """The tables zipped in memory, as a download named after the network."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in case_tables(case).items():
            archive.writestr(name, text)
    stem = _UNSAFE_IN_NAME.sub("_", case.network.network_id)
    return Response(buffer.getvalue(), media_type=ZIP_MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="case-{stem}.zip"'})
