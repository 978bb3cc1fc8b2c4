"""The hostile and awkward inputs of issue #17, each run as a new user would: exit status, first
error line, wall seconds and peak RSS (``/usr/bin/time``), as a Markdown table.

    .venv/bin/python benchmarks/hostile_cases.py

Every case is generated in a temporary folder (removed afterwards); the command is this checkout's
``.venv/bin/fazhi`` and its ``models/default``. The unit tests pin the behaviour
(tests/test_hostile_input.py); this prints what each case costs.
"""

# ruff: noqa: E501, E702

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FZ = [str(ROOT / ".venv" / "bin" / "fazhi")]
MODEL = ROOT / "models" / "default"
REPORT = "某县司法局2022年法治政府建设工作情况报告\n一、主要工作\n（一）深化人民调解。一是健全调委会。二是开展矛盾纠纷排查。\n"
root = Path(tempfile.mkdtemp(prefix="hostile."))

def case(name, args, setup=None, cwd=None):
    d = root / ''.join(ch if ch.isalnum() else '_' for ch in name)[:40]
    d.mkdir()
    if setup:
        setup(d)
    cmd = ['/usr/bin/time', '-f', '%e %M'] + FZ + [a.replace('{d}', str(d)) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd or d, timeout=300)
    lines = p.stderr.strip().splitlines()
    wall, rss = lines[-1].split()
    msg = next((ln for ln in lines[:-1] if ln.startswith('fazhi')), '').replace('|', '\\|')[:110]
    print(f"| {name} | exit {p.returncode}: {msg} | {float(wall):.1f} s | {int(rss) // 1024} MB |", flush=True)
def w(p, data):
    with open(p, 'wb') as fh:
        fh.write(data if isinstance(data, bytes) else data.encode('utf-8'))
print("| case | behaviour | time | peak RSS |\n|---|---|---|---|")
case('file name with non-UTF-8 bytes', ['ingest', '{d}/in', '--out', '{d}/u.csv'],
     lambda d: ((d / 'in').mkdir(), w(os.fsencode(d / 'in') + b'/bad\xff\xfe.txt', REPORT), w(d / 'in' / 'ok.txt', REPORT)))
case('front matter year 99999999999999999999', ['ingest', '{d}/y.md', '--out', '{d}/u.csv'],
     lambda d: w(d / 'y.md', f"---\ntitle: t\nyear: 99999999999999999999\n---\n{REPORT}"))
case('GBK-encoded .jsonl', ['tag', '{d}/g.jsonl', '--out', '{d}/t.jsonl'], lambda d: w(d / 'g.jsonl', '{"id": 1, "text": "普法"}\n'.encode('gbk')))
case('JSONL line nested 100k deep', ['tag', '{d}/n.jsonl', '--out', '{d}/t.jsonl'],
     lambda d: w(d / 'n.jsonl', '{"text": "x", "a": ' + '[' * 100000 + ']' * 100000 + '}\n'))
case('ids int and str, --out .parquet', ['tag', '{d}/m.jsonl', '--out', '{d}/t.parquet'],
     lambda d: w(d / 'm.jsonl', '{"id": 1, "text": "深入开展普法"}\n{"id": "b", "text": "加强人民调解"}\n'))
case('x.txt -> /dev/zero', ['tag', '{d}/x.txt', '--out', '{d}/t.jsonl', '--jobs', '1'], lambda d: os.symlink('/dev/zero', d / 'x.txt'))
def bomb(d):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('word/document.xml', '<w:document>' + ' ' * 200_000_000 + '</w:document>')
    w(d / 'b.docx', buf.getvalue())
case('636 KB .docx inflating to 200 MB', ['ingest', '{d}/b.docx', '--out', '{d}/u.csv'], bomb)
def yaml_bomb(d):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        p, c = chr(96 + i), chr(97 + i)
        lines.append(f'{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]')
    w(d / 'y.md', '---\n' + '\n'.join(lines) + '\n---\n' + REPORT)
case('14 KB .md with a YAML alias bomb', ['ingest', '{d}/y.md', '--out', '{d}/u.csv'], yaml_bomb)
case('a FIFO named on the command line', ['tag', '{d}/f.txt', '--out', '{d}/t.jsonl', '--jobs', '1'], lambda d: os.mkfifo(d / 'f.txt'))
case('recursive glob over a symlink loop', ['ingest', '{d}/a/**/*.txt', '--out', '{d}/u.csv'],
     lambda d: ((d / 'a').mkdir(), w(d / 'a' / 'r.txt', REPORT), w(d / 'a' / 's.txt', REPORT), os.symlink(d / 'a', d / 'a' / 'loop')))
def locked(d):
    w(d / 'r.txt', REPORT)
    import fcntl
    fd = os.open(d / 't.jsonl.lock', os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)  # held by this (parent) process while the command runs
    globals()['_held'] = fd
case('second tag run on the same --out', ['tag', '{d}/r.txt', '--out', '{d}/t.jsonl', '--jobs', '1'], locked)
case('tag in.jsonl --out in.jsonl', ['tag', '{d}/in.jsonl', '--out', '{d}/in.jsonl'], lambda d: w(d / 'in.jsonl', '{"id": "a", "text": "普法"}\n'))
case('input fields labels/scores kept', ['tag', '{d}/in.jsonl', '--out', '{d}/o.jsonl'],
     lambda d: w(d / 'in.jsonl', '{"id": "a", "text": "普法", "labels": ["mine"], "scores": 1}\n'))
case('CSV formula injection', ['ingest', '{d}/=HYPERLINK(1).md', '--out', '{d}/u.csv'],
     lambda d: w(d / '=HYPERLINK(1).md', f'---\ntitle: "=1+1"\nbody: "@SUM(A1)"\n---\n{REPORT}'))
case('file name holding a newline', ['ingest', '{d}/a\nfazhi: wrote 9 units.txt', '--out', '{d}/u.csv'], lambda d: w(d / 'a\nfazhi: wrote 9 units.txt', b''))
case('label reference ../../../../etc/passwd', ['train', '{d}/l.jsonl', '--out', '{d}/m'],
     lambda d: w(d / 'l.jsonl', json.dumps({"file": "../../../../etc/passwd", "line": 0, "span": [0, 4], "sha": "0" * 16, "labels": []}) + '\n'))
def bad_model(d):
    shutil.copytree(MODEL, d / 'm')
    cfg = json.loads((d / 'm' / 'config.json').read_text()); cfg['taxonomy_version'] = '0'
    (d / 'm' / 'config.json').write_text(json.dumps(cfg)); w(d / 'u.jsonl', '{"text": "普法"}\n')
case("config.json's taxonomy version", ['tag', '{d}/u.jsonl', '--out', '{d}/t.jsonl', '--model', '{d}/m'], bad_model)
def trunc_model(d):
    shutil.copytree(MODEL, d / 'm')
    a = (d / 'm' / 'arrays.npz').read_bytes(); (d / 'm' / 'arrays.npz').write_bytes(a[: len(a) // 2]); w(d / 'u.jsonl', '{"text": "普法"}\n')
case('truncated arrays.npz', ['tag', '{d}/u.jsonl', '--out', '{d}/t.jsonl', '--model', '{d}/m'], trunc_model)
case('the same file given twice', ['ingest', '{d}/r.txt', '{d}/r.txt', '--out', '{d}/u.csv'], lambda d: w(d / 'r.txt', REPORT))
case('UTF-16 without a BOM', ['ingest', '{d}/u16.txt', '--out', '{d}/u.csv'], lambda d: w(d / 'u16.txt', REPORT.encode('utf-16-le')))
shutil.rmtree(root, ignore_errors=True)
