"""Files barsmith writes: whole or not at all (a temporary name in the same folder, then
an atomic rename), so an interrupted run never leaves a partial file behind."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from ._errors import BackendUnavailableError


def pyarrow_parquet() -> Any:
    """``pyarrow.parquet``, an optional dependency, with how to install it."""
    try:
        import pyarrow.parquet as pq
    except ImportError as e:
        raise BackendUnavailableError(
            f"writing parquet needs pyarrow ({e}); install it with `pip install 'barsmith[parquet]'`"
        ) from e
    return pq


def write_parquet(frame: Any, path: str | os.PathLike[str], *, compression: str = "zstd") -> Path:
    """Write a DataFrame (or pyarrow Table) to ``path`` as parquet, atomically."""
    pq = pyarrow_parquet()
    import pyarrow as pa

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        pq.write_table(table, tmp, compression=compression)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
