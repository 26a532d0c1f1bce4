"""B1: import a catalogue file (XLSX, with steps and materials), then import it again.

Target (../shared/BENCH.md): 10,000 items in <= 30 s with peak memory <= 500 MB; the re-import
changes nothing. Each import runs as `manage.py import_catalogue` in its own process, which
reports its own peak resident memory (bench/peak.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench python bench/b1_import.py --sizes 1000 10000
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.setup import ROOT, django_setup  # noqa: E402


def timed_import(path: Path) -> tuple[float, float, str]:
    """Seconds, peak MB and the last line printed by one import process."""
    command = [sys.executable, "bench/peak.py", "import_catalogue", str(path)]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed:\n{result.stdout}{result.stderr}")
    peak_kb = int(re.search(r"peak_kb=(\d+)", result.stderr).group(1))
    return seconds, peak_kb / 1024, result.stdout.strip().splitlines()[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    args = parser.parse_args()

    django_setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench.generate import generate
    from portal.models import User
    from powers.models import PowerItem

    print(f"database: {settings.DATABASES['default']['ENGINE']}  format: {args.format}")
    call_command("migrate", verbosity=0)
    User.objects.get_or_create(username="bench", defaults={"name": "基准测试", "is_superuser": True, "is_staff": True})
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    for size in args.sizes:
        path = folder / f"catalogue-{size}.{args.format}"
        generate(size)
        call_command("export_catalogue", str(path))
        PowerItem.objects.all().delete()
        first = timed_import(path)
        versions = PowerItem.objects.count()
        again = timed_import(path)
        unchanged = PowerItem.objects.count() == versions == size
        print(f"\n{size} items, {path.stat().st_size / 1e6:.1f} MB file")
        print(f"  import into an empty catalogue: {first[0]:6.1f} s  peak {first[1]:6.0f} MB   {first[2]}")
        print(f"  the same file again:            {again[0]:6.1f} s  peak {again[1]:6.0f} MB   {again[2]}")
        print(f"  re-import changed nothing: {unchanged}")


if __name__ == "__main__":
    main()
