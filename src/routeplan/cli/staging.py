"""Write a command's output folder all at once: render into a private folder, then move in.

Every file of a run (plan.json, routes.csv, pages, assets, charts) is written into a
temporary folder beside the output folder first; only when all of them are written are they
moved into place, one rename each (atomic on one file system), the file that marks a
complete set (plan.json, comparison.json) last, after the previous one is removed. A failure
while rendering leaves the output folder as it was; a present marker file always belongs to
the files beside it.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from routeplan.io.atomic import sync_folder


class Staging:
    """A private folder to render into, and the output folder its files will move to."""

    def __init__(self, out: Path, folder: Path) -> None:
        self.out = out
        self.folder = folder

    def publish(self, written: Sequence[Path], *, last: str) -> list[Path]:
        """Move `written` (paths inside the staging folder) into the output folder.

        `last` names the marker file: removed from the output folder first, moved in last.
        Returns the paths in the output folder, in the order given.
        """
        relative = [p.relative_to(self.folder) for p in written]
        marker = self.out / last
        with contextlib.suppress(FileNotFoundError):
            marker.unlink()
        order = sorted(range(len(relative)), key=lambda i: relative[i] == Path(last))
        folders: set[Path] = set()
        for i in order:
            target = self.out / relative[i]
            target.parent.mkdir(parents=True, exist_ok=True)
            _move(self.folder / relative[i], target)
            folders.add(target.parent)
        for folder in sorted(folders):
            sync_folder(folder)
        return [self.out / r for r in relative]


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Staging]:
    """A staging folder in the nearest existing folder of `out`, removed when the block ends.

    Nothing is created at `out` itself until `publish`.
    """
    target = out.resolve()
    home = next(p for p in (target, *target.parents) if p.is_dir())
    folder = Path(tempfile.mkdtemp(prefix=f".{target.name or 'out'}.staging-", dir=home))
    try:
        yield Staging(out, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _move(source: Path, target: Path) -> None:
    """Rename into place; across file systems copy beside the target first, then rename."""
    try:
        source.replace(target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        beside = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(source, beside)
        beside.replace(target)
