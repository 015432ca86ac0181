"""Program candidates' files in the archive: each distinct content stored once (zlib, by
content hash) in ``blobs``, a candidate's tree as one more blob (path -> content hash), and
unified diffs between candidates. A mixin of ``Archive``."""

from __future__ import annotations

import difflib
import json
import zlib
from collections.abc import Callable
from typing import Any

from galapagos.archive.records import Candidate, blob_hash
from galapagos.errors import ArchiveError


class BlobStore:
    db: Any                                    # these three are Archive's
    path: Any
    get_candidate: Callable[[str], Candidate]

    def _put_blob(self, data: bytes) -> str:
        h = blob_hash(data)
        self.db.execute("insert or ignore into blobs(hash, size, data) values (?,?,?)",
                        [h, len(data), zlib.compress(data, 6)])
        return h

    def _put_tree(self, files: dict[str, str]) -> str:
        tree = {p: self._put_blob(text.encode()) for p, text in sorted(files.items())}
        return self._put_blob(json.dumps(tree, sort_keys=True).encode())

    def blob(self, h: str) -> bytes:
        row = self.db.execute("select data from blobs where hash = ?", [h]).fetchone()
        if row is None:
            raise ArchiveError(f"Blob {h} is missing from {self.path}; the archive is damaged.")
        return zlib.decompress(row[0])

    def _files(self, tree: str | None) -> dict[str, str]:
        if not tree:
            return {}
        return {p: self.blob(h).decode() for p, h in json.loads(self.blob(tree)).items()}

    def diff(self, cid: str, against: str | None = None) -> dict[str, str]:
        """Unified diff per changed component or file, against ``against`` or else the
        candidate's first parent (everything is new for a seed)."""
        cand = self.get_candidate(cid)
        base = (self.get_candidate(against) if against else
                self.get_candidate(cand.parents[0]) if cand.parents else Candidate({}))
        return unified_diffs(base.view(), cand.view())


def unified_diffs(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    out = {}
    for name in sorted(set(old) | set(new)):
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        lines = difflib.unified_diff(
            (a or "").splitlines(keepends=True), (b or "").splitlines(keepends=True),
            "/dev/null" if a is None else f"a/{name}", "/dev/null" if b is None else f"b/{name}")
        out[name] = "".join(ln if ln.endswith("\n") else ln + "\n" for ln in lines)
    return out
