"""`eventflow`: the one command-line entry point (also `python -m flows`)."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.console import Console
from rich.table import Table

from flows.config import Settings, SettingsError, load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Protest, detention, attack and trial events from reports and datasets into DuckDB and maps.")
# Piped output (a file, another program) gets a wide table instead of the 80 columns rich assumes.
console = Console(width=None if sys.stdout.isatty() else 220)
errors = Console(stderr=True, highlight=False, soft_wrap=True)
EXIT_FAILED, EXIT_CONFIG, EXIT_BUSY = 1, 2, 75     # 75: EX_TEMPFAIL, another run held the database; try later
_debug = {"on": bool(os.environ.get("EVENTFLOW_DEBUG"))}

DebugOption = Annotated[bool, typer.Option("--debug", help="on failure, print the full traceback")]


@app.callback()
def main(debug: DebugOption = False) -> None:
    """Protest, detention, attack and trial events from reports and datasets into DuckDB and maps."""
    _debug["on"] = debug or bool(os.environ.get("EVENTFLOW_DEBUG"))


def _say(message: str) -> None:
    """A notice while a command works (waiting for a lock, a migration): one line on stderr."""
    errors.print(message, markup=False)


packs_app = typer.Typer(no_args_is_help=True, help="Reference data: the world layer and the country packs.")
app.add_typer(packs_app, name="packs")


@contextmanager
def _failures(*paths: Path | str) -> Iterator[None]:
    """Any failure ends the command with one line naming its cause and path (exit 1); a configuration that
    cannot be used, or reference data not installed: exit 2; a database another run kept too long: exit 75.
    `--debug` adds the traceback."""
    from flows.failures import describe
    from flows.refdata import PacksMissing, ReferenceDataError
    from flows.shared_db import DatabaseBusy

    try:
        yield
    except (typer.Exit, click.exceptions.ClickException, click.exceptions.Abort, KeyboardInterrupt):
        raise
    except SettingsError as exc:
        errors.print(f"configuration error: {exc}", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except (PacksMissing, ReferenceDataError) as exc:
        errors.print(f"error: {exc}", markup=False)
        raise typer.Exit(EXIT_CONFIG) from None
    except DatabaseBusy as exc:
        errors.print(f"not run: {exc}", markup=False)
        raise typer.Exit(EXIT_BUSY) from None
    except Exception as exc:  # noqa: BLE001 - every other failure: one line, the traceback on request
        if _debug["on"]:
            errors.print("".join(traceback.format_exception(exc)), markup=False, end="")
        hint = "" if _debug["on"] else " (eventflow --debug ... prints the traceback)"
        errors.print(f"error: {describe(exc, list(paths))}{hint}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None


def _require_packs(settings: Settings) -> None:
    """One line and exit code 2 when the reference data is not installed (before any work starts)."""
    from flows.refdata import require_installed

    with _failures():
        require_installed(settings.geo_root)


def _settings() -> Settings:
    """The settings, with a one-line error for a configuration that cannot be used and a warning for unknown keys."""
    with _failures():
        settings = load_settings()
    if settings.extra:
        console.print(f"[yellow]warning: unknown setting(s) ignored: {', '.join(sorted(settings.extra))}[/yellow]")
    return settings


DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file (default data/events.duckdb)")]


@app.command()
def run(
    inbox: Annotated[Path | None, typer.Option(help="folder of reports and dataset exports")] = None,
    db: DbOption = None,
    maps: Annotated[Path | None, typer.Option(help="folder for the HTML maps and timelines")] = None,
    year: Annotated[int | None, typer.Option(help="coverage year of the reports (default: inferred)")] = None,
    dask: Annotated[str | None, typer.Option("--dask", help="address of a Dask scheduler (tcp://host:8786): "
                                             "read the files on that cluster")] = None,
    workers: Annotated[int | None, typer.Option(help="processes reading files in parallel (default: one per core)")
                       ] = None,
    full_dedupe: Annotated[bool, typer.Option("--full-dedupe", help="rebuild every event, not only those that "
                                              "changed mentions can reach")] = False,
    debug: DebugOption = False,
) -> None:
    """One run of the pipeline flow over the inbox; prints a summary. Exit 0 also when records were rejected;
    1 with one line when the run failed; 75 when another run kept the database for longer than lock_timeout."""
    from flows.config import check_runner

    _debug["on"] = _debug["on"] or debug
    s = _settings()
    inbox = inbox or s.inbox
    if not inbox.is_dir():
        raise typer.BadParameter(f"no inbox folder at {inbox}: create it and put reports or datasets in it",
                                 param_hint="--inbox")
    maps = maps or s.maps
    _require_packs(s)
    problem = _unwritable(maps)
    if problem:
        raise typer.BadParameter(f"cannot write maps to {maps}: {problem}", param_hint="--maps")
    with _failures():
        check_runner(s)
    db = db or s.db
    with _failures(db, maps, inbox):
        from flows.failures import quiet_console_tracebacks
        from flows.pipeline import pipeline
        from flows.shared_db import run_lock

        with run_lock(db, s.lock_timeout, "run", say=_say), _prefect_api():   # wait first, then start a server
            if not _debug["on"]:
                quiet_console_tracebacks()
            summary = pipeline(inbox, db, maps, year, dask_address=dask, workers=workers, full_dedupe=full_dedupe)
    table = Table(title="eventflow run", show_header=False)
    for key in ("sources_new", "sources_changed", "sources_unchanged", "sources_duplicate", "sources_withdrawn",
                "mentions", "rejects", "unresolved_places", "events", "dedupe", "seconds"):
        table.add_row(key.replace("_", " "), str(summary[key]))
    table.add_row("files written", "\n".join(summary["files_written"]) or "none (maps unchanged)")
    console.print(table)
    for note in summary["notes"]:
        console.print(f"note: {note}")


@app.command()
def extract(
    reports: Annotated[list[Path], typer.Argument(help="report files (.txt .md .html .pdf)", exists=True)],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    year: Annotated[int | None, typer.Option(help="coverage year (default: inferred from the text)")] = None,
) -> None:
    """Events from reports only, no database: one CSV row per event with the export columns."""
    import polars as pl

    from flows.extract import extract_file, write_extract_csv
    from flows.geocode import geocode_mentions
    from flows.normalize import normalize

    settings = _settings()
    _require_packs(settings)
    frames, failed = [], 0
    for report in reports:
        try:
            frames.append(extract_file(report, year=year))
        except Exception as exc:  # noqa: BLE001 - report and go on with the other files
            failed += 1
            console.print(f"[red]{report}: {exc}[/red]")
    mentions, rejects = normalize(pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame())
    if rejects.height:
        console.print(f"[yellow]{rejects.height} extracted rows failed validation[/yellow]")
    write_extract_csv(geocode_mentions(mentions, settings.geo_root), out)
    console.print(f"{mentions.height} events from {len(reports) - failed} report(s) written to {out}")
    if failed:
        raise typer.Exit(1)


@contextmanager
def _prefect_api() -> Iterator[None]:
    """The Prefect server of a run: the configured one (PREFECT_API_URL), else a temporary local one that is
    stopped afterwards, also when this process is killed."""
    from flows.prefect_server import check_reachable, configured_api_url, local_server

    url = configured_api_url()
    if url:
        check_reachable(url)
        yield
        return
    with local_server(scheduler=False):
        yield


def _unwritable(folder: Path) -> str | None:
    """Why maps cannot be written into folder (None when they can): checked before the run touches anything."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".eventflow-check-"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _iso_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date in the form YYYY-MM-DD", param_hint=where) from exc


@app.command()
def train(
    out: Annotated[Path | None, typer.Option(help="model file to write (default: the shipped model)")] = None,
    with_reviews: Annotated[bool, typer.Option("--with-reviews", help="also learn from the analysts' review "
                                                "decisions of the database (--db)")] = False,
    db: DbOption = None,
) -> None:
    """Train the learned extractor from the annotated corpus (benchmarks/corpus/, texts read from
    ../shared/corpus/raw), and with --with-reviews from the review desk's decisions: fit on train, choose the
    regularisation, calibrate and set the threshold on dev."""
    from flows.extract.learned.model import DEFAULT_MODEL, REVIEWED_MODEL
    from flows.extract.learned.train import train as train_model

    reviews = None
    if with_reviews:
        reviews = db or _settings().db
        if not Path(reviews).exists():
            raise typer.BadParameter(f"no database at {reviews}; run `eventflow run` first", param_hint="--db")
    out = out or (REVIEWED_MODEL if with_reviews else DEFAULT_MODEL)
    card = train_model(out, reviews=reviews, log=console.print)
    if with_reviews:
        console.print(f"to extract with it, set `extractor_model: {out}` in eventflow.yaml")
    dev = card["dev_internal"]
    console.print(f"dev: P {dev['precision']:.3f} R {dev['recall']:.3f} F1 {dev['f1']:.3f} "
                  f"({dev['matched']} of {dev['gold']} gold events matched, {dev['pred']} predicted)")


@app.command()
def geocode(
    places: Annotated[list[str] | None, typer.Argument(help="place names")] = None,
    on: Annotated[str | None, typer.Option("--date", help="event date YYYY-MM-DD (picks the division)")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="CSV: 'query' and optional 'date'")] = None,
    country: Annotated[str | None, typer.Option("--country", help="ISO 3166-1 code of the places' country "
                                                 "(default: from each name, or the country packs)")] = None,
) -> None:
    """Resolve place names, in any country; writes CSV to stdout."""
    from flows.geocode import geocode_places

    settings = _settings()
    _require_packs(settings)
    rows: list[dict] = []
    if csv_file:
        with csv_file.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        if rows and "query" not in rows[0]:
            raise typer.BadParameter("the CSV needs a 'query' column", param_hint="--csv")
    rows += [{"query": p} for p in places or []]
    if not rows:
        raise typer.BadParameter("give place names or --csv FILE")
    default = _iso_date(on, "--date") if on else None
    dates = [_iso_date(r["date"], "--csv") if r.get("date") else default for r in rows]
    result = geocode_places([r["query"] for r in rows], dates, country=country, geo_root=settings.geo_root)
    extra = [c for c in rows[0] if c not in ("query", "date")] if csv_file else []
    out = result.drop("query", "date")
    writer = csv.writer(sys.stdout)
    writer.writerow(["query", "date", *extra, *out.columns])
    for r, d, res in zip(rows, dates, out.iter_rows(), strict=True):
        writer.writerow([r["query"], d or "", *(r.get(c, "") for c in extra), *("" if v is None else v for v in res)])


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet | geojson | acled")],
    out: Annotated[Path, typer.Option("--out", help="file to write")],
    db: DbOption = None,
) -> None:
    """The events table with the export columns (read from the snapshot, beside any run or reader); acled: ACLED's
    column names and codes. In CSV, text cells that a spreadsheet would run as a formula (=, +, -, @ first)
    start with a single quote."""
    from flows.export import FORMATS, export_events
    from flows.shared_db import open_snapshot

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", param_hint="--format")
    path = _existing_db(db)
    with _failures(path, out):
        with open_snapshot(path) as con:
            n = export_events(con, fmt, out)
    console.print(f"{n} events written to {out}")


def _existing_db(db: Path | None) -> Path:
    path = db or _settings().db
    if not Path(path).exists():
        raise typer.BadParameter(f"no database at {path}; run `eventflow run` first", param_hint="--db")
    return Path(path)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run")],
    db: DbOption = None,
    write: Annotated[bool, typer.Option("--write", help="open read-write (e.g. to insert overrides)")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="print CSV instead of a table")] = False,
) -> None:
    """Run SQL against the database and print a table. Read-only queries read the snapshot analysts use;
    --write changes the working database under the run lock (waiting for a run up to lock_timeout) and then
    refreshes the snapshot."""
    from flows.shared_db import open_snapshot, writing

    path = _existing_db(db)
    with _failures(path):
        if write:
            with writing(path, _settings().lock_timeout, say=_say) as con:
                _print_result(con.execute(query), as_csv)
            return
        with open_snapshot(path) as con:
            try:
                cur = con.execute(query)
            except Exception as exc:
                if "read-only" in str(exc):
                    raise type(exc)(f"{exc} (use --write to change the data)") from None
                raise
            _print_result(cur, as_csv)


def _print_result(cur, as_csv: bool) -> None:
    if cur.description is None:
        return
    if as_csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(d[0] for d in cur.description)
        writer.writerows(cur.fetchall())
        return
    table = Table(*[d[0] for d in cur.description])
    for row in cur.fetchall():
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command()
def withdraw(
    sources: Annotated[list[str], typer.Argument(help="source names as in sources.path, e.g. inbox/acled_2022.csv")],
    db: DbOption = None,
    note: Annotated[str | None, typer.Option(help="why, kept with the withdrawal")] = None,
    undo: Annotated[bool, typer.Option("--undo", help="let the sources be ingested again by the next run")] = False,
) -> None:
    """Withdraw sources for good: their rows are deleted, events and maps rebuilt, and the files are not
    ingested again while they stay in the inbox (by name or content). --undo reverses it."""
    from flows import stages
    from flows.shared_db import working_path, writing
    from flows.withdraw import restore
    from flows.withdraw import withdraw as withdraw_source

    s = _settings()
    path = _existing_db(db)
    with _failures(path, s.maps), writing(path, s.lock_timeout, say=_say) as con:
        known = {r[0] for r in con.execute("SELECT path FROM sources").fetchall()}
        for source in sources:
            if undo:
                done = restore(con, source)
                console.print(f"{source}: {'restored; the next run ingests it' if done else 'was not withdrawn'}",
                              markup=False)
                continue
            removed = withdraw_source(con, source, note)
            where = f"{removed} mention(s) removed" if source in known else \
                "not in the database: a file of that name will not be ingested"
            console.print(f"{source}: withdrawn, {where}", markup=False)
        if not undo:
            stages.dedupe_all(working_path(path))
            stages.publish_maps(working_path(path), s.maps, s)


@app.command()
def serve() -> None:
    """Serve the scheduled deployments until stopped: with the Prefect server of PREFECT_API_URL, or a local one
    started (with its scheduler, on 127.0.0.1) and stopped with serve."""
    from flows.deployments import serve_deployments

    settings = _settings()
    with _failures(settings.inbox, settings.db):
        settings.inbox.mkdir(parents=True, exist_ok=True)
        serve_deployments(settings, say=_say)


@app.command()
def deployments() -> None:
    """List the deployments with their schedules."""
    from flows.deployments import deployment_specs

    table = Table("deployment", "flow", "schedule (cron)", "timezone", "parameters")
    with _failures():
        specs = deployment_specs(_settings())
    for spec in specs:
        table.add_row(spec.name, spec.flow, spec.cron, spec.timezone,
                      ", ".join(f"{k}={v}" for k, v in spec.parameters.items()))
    console.print(table)


@packs_app.command("install")
def packs_install(
    mirror: Annotated[Path | None, typer.Option(help="folder holding the manifest's mirror files "
                                                     "(default ../shared/data/geo beside the checkout)")] = None,
    force: Annotated[bool, typer.Option(help="rebuild even when the installed data is up to date")] = False,
) -> None:
    """Install the reference data of data/geo/manifest.yaml: check sha256, build the world layer and packs."""
    from flows.refdata.install import DEFAULT_MIRROR, InstallError, install

    settings = _settings()
    try:
        with _failures():
            install(settings.geo_root, mirror or DEFAULT_MIRROR, force=force, log=console.print)
    except InstallError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc


@packs_app.command("list")
def packs_list() -> None:
    """The data sets of the manifest with their licence and whether they are installed."""
    from flows.refdata import installed_problem, load_reference

    settings = _settings()
    ref = load_reference(settings.geo_root)
    table = Table("data set", "version", "licence", "from")
    for d in ref.manifest.datasets:
        table.add_row(d.id, d.version, d.licence, d.package or f"mirror: {d.mirror}")
    console.print(table)
    console.print(installed_problem(settings.geo_root) or "installed and up to date")


@app.command()
def review(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1 (0: any free port)")] = 8765,
    analyst: Annotated[str | None, typer.Option(help="name the decisions are recorded under (default: login)")] = None,
    shot: Annotated[Path | None, typer.Option("--screenshot", help="write a PNG of the desk and exit")] = None,
    mention: Annotated[str | None, typer.Option(help="with --screenshot: the mention to show")] = None,
) -> None:
    """The analyst's review desk in the browser, on 127.0.0.1 only: confirm, correct, drop, merge and add events.
    Decisions are kept beside the database and applied by the next run."""
    from flows.review import default_analyst, journal_path, screenshot_desk, start_desk
    from flows.review.snapshot import DatabaseBusy

    path = db or _settings().db
    if not Path(path).exists():
        raise typer.BadParameter(f"no database at {path}; run `eventflow run` first", param_hint="--db")
    try:
        if shot:
            console.print(f"written {screenshot_desk(Path(path), shot, mention, analyst)}")
            return
        server = start_desk(Path(path), port, analyst or default_analyst())
    except (DatabaseBusy, OSError) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Review desk for {path} at [bold]{server.url}[/bold] (this machine only). Decisions are kept "
                  f"in {journal_path(path)}; the next `eventflow run` applies them. Ctrl+C stops the desk.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("review desk stopped")
    finally:
        server.shutdown()
        server.server_close()


@app.command()
def screenshot(
    html: Annotated[Path, typer.Argument(help="generated HTML page", exists=True)],
    png: Annotated[Path, typer.Argument(help="PNG to write")],
    width: int = 1400,
    height: int = 900,
) -> None:
    """Screenshot a generated page in headless Chromium (for reports)."""
    from flows.publish.screenshot import screenshot as take

    console.print(f"written {take(html, png, width, height)}")
