"""Command line for the data spine.

    python -m data ingest [--warehouse PATH] [--la CODE] [--no-bundle] [--allow-shrink] SOURCE...
    python -m data status [--warehouse PATH]
    python -m data rollback [--warehouse PATH]
    python -m data sample [--la CODE] [--seed N] [--rebuild]
    python -m data synth [--la CODE | --all] [--seed N] [--out DIR]
    python -m data national [SRC] [--check]   (SRC defaults to data/published)
    python -m data dictionary
    python -m data settings [--markdown]
"""

from __future__ import annotations

import argparse
import errno
import re
import sys
import time
from pathlib import Path

from data import settings
from data.errors import SourceError


def _prepare(path: Path, live: Path | None) -> None:
    """A load is the warehouse, the data-quality counts added to the history carried over from the `live`
    warehouse it replaces (`indicators.quality`), the facts the pages read (`indicators.facts`) and the home
    council's default views drawn into the app's cache (`dashboard.warm`), all before it goes live. This command
    line composes the layers, as app.py composes the app; `data` itself never imports `indicators` or `dashboard`."""
    from dashboard.warm import warm
    from indicators.facts import build
    from indicators.quality import record_history

    loads = record_history(path, live)
    print(f"Data-quality counts recorded: {loads} load(s) in the history")
    started = time.perf_counter()
    frames, problems = build(path)
    print(f"Computed {frames} fact frames in {time.perf_counter() - started:.1f}s")
    if problems:
        print(f"Warning: {len(problems)} fact frame(s) cannot be computed on this warehouse and are left to the "
              f"engine, e.g. {problems[0]}")
    warmed = warm(path)
    print(f"Drew {warmed.views} default views into the app's cache in {warmed.seconds:.1f}s")
    for failure in warmed.failed:
        print(f"Warning: default views drawn ahead: {failure}; pages are drawn on request instead")


def cmd_ingest(args) -> int:
    from data.ingest import ingest

    started = time.perf_counter()
    report = ingest(args.sources, Path(args.warehouse), bundle=not args.no_bundle, la=args.la,
                    allow_shrink=args.allow_shrink, prepare=lambda path: _prepare(path, Path(args.warehouse)))
    for path in report.removed:
        print(f"Removed {path.name}: a partial warehouse left by a load that was stopped before it finished")
    print(f"Loaded {len(report.files)} file(s) into {report.warehouse} (version {report.version}) "
          f"in {time.perf_counter() - started:.1f}s")
    for f in report.files:
        if f["rows_quarantined"] or f["values_cleared"]:
            print(f"  {f['name']}: {f['rows_in']} rows in, {f['rows_loaded']} loaded, {f['rows_quarantined']} quarantined, "
                  f"{f['values_cleared']} values cleared")
    for source, problem in report.warnings:
        print(f"Warning: {Path(source).name}: {problem}")
    print(f"{report.quarantined} row(s) quarantined in total: see `python -m data status`")
    loaded = {f["la_code"] for f in report.files}
    for council in report.councils if len(report.councils) > 1 else []:
        how = "loaded now" if council["la_code"] in loaded else "kept as it was"
        print(f"  council {council['la_code']} ({how}): {council['rows_in']:,} rows in, {council['rows_loaded']:,} "
              f"loaded, {council['rows_quarantined']:,} quarantined; version {council['version']}")
    return 0


def cmd_rollback(args) -> int:
    from data.ingest import rollback

    warehouse = Path(args.warehouse)
    try:
        restored, rejected = rollback(warehouse)
    except SourceError as exc:
        print(f"Rollback refused, nothing changed: {exc}", file=sys.stderr)
        return 2
    kept = (f"The one it replaced ({rejected}) is kept as {warehouse.name}.rejected for inspection."
            if rejected else "There was no live warehouse to set aside.")
    print(f"Put the previous warehouse back: {warehouse} is version {restored} again. {kept}")
    return 0


def cmd_status(args) -> int:
    from data.warehouse.connect import open_readonly, warehouse_info

    path = Path(args.warehouse)
    con = open_readonly(path)
    info = warehouse_info(con)
    print(f"Warehouse {path}")
    print(f"  version {info['version']} (data model {info['model_version']}), built "
          f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(path.stat().st_mtime))}, {path.stat().st_size / 1e6:.1f} MB")
    print(f"  local area {info.get('local_la_code') or 'none'}; synthetic local data: {info['synthetic_local_data']}; "
          f"reference date {info['reference_date']}")
    loads = con.execute("""SELECT * FROM warehouse.main.loads ORDER BY position""").fetchall() if "loads" in {
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} else []
    if len(loads) > 1:
        print("Councils (each loaded on its own; the first is the home council; the counts below cover them all):")
        for code, _position, version, reference, _synthetic, files, rows_in, loaded, quarantined in loads:
            print(f"  {code:<12}version {version}, reference date {reference}, {files} file(s), {rows_in:,} rows in, "
                  f"{loaded:,} loaded, {quarantined:,} quarantined")
    print("Tables (rows):")
    tables = [r[0] for r in con.execute("SELECT DISTINCT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
    for table in tables:
        count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - names from the catalog
        print(f"  {table:<24}{count:>12,}")
    quarantine = con.execute("""SELECT table_name, rule, action, count(*) FROM quarantine
                                GROUP BY ALL ORDER BY 1, 2, 3""").fetchall()
    print("Quarantine:" if quarantine else "Quarantine: empty")
    for table, rule, action, count in quarantine:
        print(f"  {table:<20}{rule:<14}{action:<15}{count:>8,}")
    for source, problem in con.execute("SELECT * FROM load_warning").fetchall():
        print(f"Warning: {Path(source).name}: {problem}")
    return 0


def _model_version(warehouse: Path) -> str | None:
    """The data model a warehouse was built with (None when it cannot be read)."""
    import duckdb

    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            found = con.execute("SELECT value FROM warehouse_info WHERE key = 'model_version'").fetchone()
    except duckdb.Error:
        return None
    return found[0] if found else None


def cmd_sample(args) -> int:
    """Generate the synthetic extract for one LA (if needed) and build the sample warehouse from it."""
    from data.ingest import ingest
    from data.synth import generate
    from data.warehouse.model import MODEL_VERSION

    out = settings.SAMPLE_DIR / args.la
    warehouse = Path(args.warehouse)
    if warehouse.exists() and not args.rebuild:
        if _model_version(warehouse) == MODEL_VERSION:
            print(f"Sample warehouse already built: {warehouse} (use --rebuild to make it again)")
            return 0
        print(f"The sample warehouse {warehouse} predates data model {MODEL_VERSION}: building it again")
    started = time.perf_counter()
    if args.rebuild or not (out / "MANIFEST.json").exists():
        generate(args.la, args.seed, out)
        print(f"Generated the synthetic extract for {args.la} in {time.perf_counter() - started:.1f}s: {out}")
    loaded = time.perf_counter()
    # a new sample replaces the old whole (any council), and a generated sample has no history to carry
    report = ingest([out / "sen2", out / "local", out / "MANIFEST.json"], warehouse, allow_shrink=True, replace=True,
                    prepare=lambda path: _prepare(path, None))
    print(f"Built {warehouse} (version {report.version}) in {time.perf_counter() - loaded:.1f}s; "
          f"{report.quarantined} row(s) quarantined")
    return 0


def cmd_settings(args) -> int:
    """The settings in force (validated), or with --markdown the README's table of every setting."""
    if args.markdown:
        print(settings.markdown_table())
        return 0
    for name, value in settings.settings():
        shown = "" if value is None else re.sub(r"//[^/@]*@", "//***@", str(value))  # never print a password
        print(f"{settings.Settings.model_fields[name].validation_alias:<24}{shown}")
    return 0


def cmd_dictionary(_args) -> int:
    from data.warehouse.dictionary import write

    print(f"Wrote {write()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        settings.settings()
    except settings.SettingsError as exc:
        print(f"Settings: {exc}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="validate files and build a new warehouse from them, swapping it in atomically")
    p.add_argument("--warehouse", default=str(settings.warehouse_path()))
    p.add_argument("--la", help="new ONS code of the council the loose local files belong to (a folder with a "
                                "MANIFEST.json names its own council)")
    p.add_argument("--no-bundle", action="store_true", help="leave out the bundled national data")
    p.add_argument("--allow-shrink", action="store_true",
                   help="let this load remove more than half of a table's rows compared with the live warehouse")
    p.add_argument("sources", nargs="+", help="files or folders: CSV, XLSX, SEN2 XML")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("status", help="warehouse version, tables, row counts and quarantine counts")
    p.add_argument("--warehouse", default=str(settings.warehouse_path()))
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("rollback", help="put the previous warehouse back (kept by every load as <name>.previous); "
                                        "the live one is kept as <name>.rejected")
    p.add_argument("--warehouse", default=str(settings.warehouse_path()))
    p.set_defaults(func=cmd_rollback)

    p = sub.add_parser("sample", help="generate the synthetic sample extract and build its warehouse")
    p.add_argument("--la", default=settings.DEFAULT_LA)
    p.add_argument("--seed", type=int, default=settings.DEFAULT_SEED)
    p.add_argument("--warehouse", default=str(settings.DEFAULT_WAREHOUSE))
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("settings", help="the settings read from the environment (--markdown: the README's table)")
    p.add_argument("--markdown", action="store_true", help="print every setting as the README's Markdown table")
    p.set_defaults(func=cmd_settings)

    p = sub.add_parser("dictionary", help="rewrite data/DICTIONARY.md from the declared schemas")
    p.set_defaults(func=cmd_dictionary)

    from data.synth import cli as synth_cli

    p = sub.add_parser("synth", help="generate a synthetic local extract for any LA (or all 153)")
    synth_cli.add_arguments(p)
    p.set_defaults(func=synth_cli.run)

    from data import bundle

    p = sub.add_parser("national", help="rebuild the bundled national data from the published files")
    bundle.add_arguments(p)
    p.set_defaults(func=bundle.run)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SourceError as exc:
        print(f"Load stopped, nothing changed: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a disk full outside the load's own writes (those are a SourceError): no traceback
        if exc.errno not in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise
        folder = Path(exc.filename).parent if exc.filename else Path.cwd()
        print(f"Stopped: no room to write in {folder} ({exc.strerror}). Fix: free space on that disk, or point "
              "the command at a folder on a disk with room (--warehouse, --out).", file=sys.stderr)
        return 2
    except Exception as exc:  # the warehouse layer raises WarehouseUnavailable with a full message
        if type(exc).__name__ == "WarehouseUnavailable":
            print(str(exc), file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
