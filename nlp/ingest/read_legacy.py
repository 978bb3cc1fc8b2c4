"""Text of legacy Word (.doc) and WPS (.wps) files, through a converter installed on the machine.

No maintained Python library reads the old binary formats, so this calls what is there:
LibreOffice headless (``soffice --convert-to txt``; reads .doc and .wps) first, else ``antiword``
(.doc only). With neither, the file gets a one-line error saying what to install.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from nlp.errors import ReadError

CONVERT_TIMEOUT_S = 120


def converter() -> tuple[str, str] | None:
    """(kind, executable) of the first converter found on PATH."""
    for kind, names in (("soffice", ("soffice", "libreoffice")), ("antiword", ("antiword",))):
        for name in names:
            exe = shutil.which(name)
            if exe:
                return kind, exe
    return None


def legacy_text(data: bytes, source: str | Path, suffix: str) -> str:
    found = converter()
    if found is None or (found[0] == "antiword" and suffix == ".wps"):
        raise ReadError(source, f"reading {suffix} needs LibreOffice (soffice) or antiword on PATH; none was found "
                        "(or save the file as .docx)")
    kind, exe = found
    with tempfile.TemporaryDirectory(prefix="fazhi-legacy-") as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        if kind == "soffice":
            cmd = [exe, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", tmp, str(src)]
        else:
            cmd = [exe, "-m", "UTF-8.txt", "-w", "0", str(src)]
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=CONVERT_TIMEOUT_S, cwd=tmp,
                                 env={"HOME": tmp, "PATH": "/usr/bin:/bin"})
        except subprocess.TimeoutExpired:
            raise ReadError(source, f"{kind} took more than {CONVERT_TIMEOUT_S} s to convert it") from None
        out = (Path(tmp) / "in.txt").read_bytes() if kind == "soffice" and (Path(tmp) / "in.txt").exists() \
            else run.stdout
        if run.returncode != 0 or not out.strip():
            raise ReadError(source, f"{kind} could not convert it (exit {run.returncode})")
    return out.decode("utf-8", errors="replace")
