"""Dedupe against the database: a run rebuilds only the events that what changed can reach.

The rules are those of flows/dedupe.py (`build_events`); this module decides which mentions it must see and
writes their events back, with memory bounded by what changed, not by the size of the database:

1. Candidates in SQL. Two mentions can only merge when they share type, country and a day and are at the
   same place, in the same region (one of them known only to the region) or both known only to the country
   on one day; never two rows of one curated file, never a split mention or one spanning more than
   max_span_days. DuckDB finds such pairs by joining the days mentions cover (groups with a single curated
   file are pruned first, as build_events does), with keys normalised at least as loosely as build_events
   normalises them: every pair build_events can form is a candidate.
2. Scope. A full rebuild (the first run, or when a quarter of the mentions changed) looks at every mention that
   has a candidate; every other mention is an event of its
   own, written by one INSERT ... SELECT. An incremental run starts from the touched mentions (stored or
   replaced since the last dedupe, `dedupe_pending`; withdrawn; or whose override changed) and closes that
   set under "is a candidate of" and "was in the same event as": nothing outside it can pair with anything
   in it, so clustering it alone gives what a full rebuild would. Each step computes keys only for its
   frontier and the mentions whose type, country and dates overlap it, so the work follows the neighbourhood
   of what changed, not the size of the table.
3. The exact rules (actors, counts, ambiguity, conflicts, representatives) run in build_events on the
   mentions in scope, with the overrides applied; the events of the scope are replaced in one transaction,
   with the pending list and the record of applied overrides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from flows.dedupe import CURATED_KINDS, EVENT_MENTION_SCHEMA, MAX_SPAN_DAYS, build_events
from flows.model import EVENT_SCHEMA, MENTION_COLUMNS, MENTION_SCHEMA
from flows.overrides import REVIEW_STATUSES, apply_overrides, valid_overrides
from flows.store import sql_list

# Above this share of the mentions touched, a full rebuild is cheaper than closing the touched set.
FULL_REBUILD_SHARE = 0.25
LINK_COLUMNS = list(EVENT_MENTION_SCHEMA)


@dataclass
class DedupeResult:
    mode: str                   # none | full | incremental
    events: int                 # events in the table after the run
    touched: int = 0            # mentions that changed since the last dedupe
    scope: int = 0              # mentions whose events were rebuilt by the exact rules
    notes: list[str] = field(default_factory=list)


def _norm(expr: str) -> str:
    """A text key, lower-cased with all white space removed (looser than build_events' strip + lower)."""
    return f"lower(regexp_replace({expr}, '\\s+', '', 'g'))"


# The curated file a mention is a row of (NULL for reports and GDELT: "open" mentions).
_FILE = f"CASE WHEN source_kind IN (SELECT unnest({sql_list(CURATED_KINDS)})) THEN source END"
_SHORT = f"date_end - date_start <= {int(MAX_SPAN_DAYS)}"
# A group of mentions can give a pair only when it holds two of them, from two curated files or with an open one.
_CAN_PAIR = "count(*) > 1 AND (count(DISTINCT file) > 1 OR bool_or(file IS NULL))"


def _key_select(relation: str) -> str:
    """SELECT of the candidate keys of the mentions of a relation with the mention columns."""
    place = "coalesce(place_name, location_text)"
    region = f"coalesce(admin1_iso, {_norm('admin1_text')})"
    fine = f"(geo_precision IN ('place', 'admin2') AND {place} IS NOT NULL)"
    return f"""
        SELECT mention_id, event_type, country, date_start, date_end, {_FILE} AS file,
               CASE WHEN {fine} THEN 'place' WHEN {region} IS NOT NULL AND geo_precision <> 'country'
                    THEN 'region' ELSE 'country' END AS level,
               CASE WHEN {fine} THEN {_norm(place)} END AS place_key,
               {region} AS region_key
        FROM {relation}
        WHERE {_SHORT}"""


def _prepare(con: duckdb.DuckDBPyConnection, overrides: pl.DataFrame) -> None:
    """Temp tables dd_overridden (the mentions the overrides touch) and dd_applied (those mentions as the
    overrides leave them: dropped and split mentions are not there). With the stored mentions that no override
    touches (`_STORED`) they are the mentions the rules see."""
    overridden = overrides["mention_id"].unique().to_list() if overrides.height else []
    if overrides.height:     # both ends of an analyst's merge are decided by the exact rules
        merged = overrides.filter(pl.col("action") == "merge")["value"].str.replace(r"^e_", "m_")
        overridden = sorted(set(overridden) | set(merged.drop_nulls().to_list()))
    con.execute("CREATE OR REPLACE TEMP TABLE dd_overridden (mention_id VARCHAR)")
    if overridden:
        con.execute("INSERT INTO dd_overridden SELECT unnest(?)", [overridden])
        raw = con.execute(f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions SEMI JOIN dd_overridden "
                          "USING (mention_id)").pl().cast(MENTION_SCHEMA)
        applied, split = apply_overrides(raw, overrides)
        applied = applied.filter(~pl.col("mention_id").is_in(sorted(split)))
    else:
        applied = pl.DataFrame(schema=MENTION_SCHEMA)
    con.register("dd_applied_frame", applied)
    con.execute("CREATE OR REPLACE TEMP TABLE dd_applied AS SELECT * FROM dd_applied_frame")
    con.unregister("dd_applied_frame")


_STORED = "(SELECT * FROM mentions ANTI JOIN dd_overridden USING (mention_id))"


def _keys_of(where: str) -> str:
    """SELECT of the candidate keys of the mentions (as the overrides leave them) that `where` (a SEMI JOIN
    clause on the relation m) keeps."""
    return (f"{_key_select(f'(SELECT m.* FROM {_STORED} m {where})')} "
            f"UNION ALL {_key_select(f'(SELECT m.* FROM dd_applied m {where})')}")


def _all_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table dd_keys (full rebuild): the candidate keys of every mention that has a type and country in
    common with a mention it could pair with. Every pairing needs the same type and country, and two curated
    files or an open mention among them: a (type, country) without (all of a first run of one dataset file)
    gets no keys, and nothing later looks at its mentions."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_pairable AS
        SELECT event_type, country FROM (
            SELECT event_type, country, {_FILE} AS file FROM {_STORED} WHERE {_SHORT}
            UNION ALL SELECT event_type, country, {_FILE} AS file FROM dd_applied WHERE {_SHORT})
        GROUP BY ALL HAVING {_CAN_PAIR}""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE dd_keys AS "
                f"{_keys_of('SEMI JOIN dd_pairable p USING (event_type, country)')}")
    con.execute("DROP TABLE dd_pairable")


# The ways two mentions can pair: (left level condition, right level condition, key, extra condition).
_PAIRINGS = [
    ("a.level = 'place'", "b.level = 'place'", "place_key", "TRUE"),
    ("a.level = 'region'", "b.level IN ('place', 'region')", "region_key", "TRUE"),
    ("a.level IN ('place', 'region')", "b.level = 'region'", "region_key", "TRUE"),
    ("a.level = 'country'", "b.level = 'country'", "country",
     "a.date_start = a.date_end AND b.date_start = b.date_end AND a.date_start = b.date_start"),
]
_NOT_ONE_FILE = "(a.file IS NULL OR b.file IS NULL OR a.file <> b.file)"
# The mention a `merge` override names in its value (an event 'e_x' stands for its smallest mention, 'm_x').
_MERGED = "regexp_replace(value, '^e_', 'm_')"


def _all_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table dd_involved: every mention with at least one candidate (full rebuild). As build_events does,
    groups that cannot give a pair are dropped before any pair is formed: first groups of one (kind, type,
    country, key) over all dates, then groups of one day; a group must hold two curated files or an open
    mention (and, for a region, a mention known only to the region). Only what is left has its days exploded."""
    con.execute("""CREATE OR REPLACE TEMP TABLE dd_keyed AS
        SELECT mention_id, event_type, country, file, date_start, date_end, kind, key, coarse
        FROM (SELECT *, 'p' AS kind, place_key AS key, FALSE AS coarse FROM dd_keys WHERE level = 'place'
              UNION ALL SELECT *, 'r', region_key, level = 'region' FROM dd_keys
                        WHERE level IN ('place', 'region') AND region_key IS NOT NULL
              UNION ALL SELECT *, 'c', country, FALSE FROM dd_keys
                        WHERE level = 'country' AND date_start = date_end)""")
    useful = f"HAVING {_CAN_PAIR} AND (kind <> 'r' OR bool_or(coarse))"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_days AS
        SELECT mention_id, event_type, country, file, kind, key, coarse,
               unnest(generate_series(date_start, date_end, INTERVAL 1 DAY))::DATE AS day
        FROM dd_keyed SEMI JOIN (SELECT kind, event_type, country, key FROM dd_keyed GROUP BY ALL {useful})
             USING (kind, event_type, country, key)""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_involved AS
        WITH d AS (SELECT * FROM dd_days SEMI JOIN
                   (SELECT kind, event_type, country, key, day FROM dd_days GROUP BY ALL {useful})
                   USING (kind, event_type, country, key, day))
        SELECT DISTINCT unnest([a.mention_id, b.mention_id]) AS mention_id
        FROM d a JOIN d b USING (kind, event_type, country, key, day)
        WHERE a.mention_id < b.mention_id AND {_NOT_ONE_FILE} AND (kind <> 'r' OR a.coarse OR b.coarse)""")
    for table in ("dd_keyed", "dd_days"):
        con.execute(f"DROP TABLE {table}")


def _partners_sql() -> str:
    """Candidates (b, in dd_near) of the mentions in dd_edge (a)."""
    parts = []
    for left, right, key, extra in _PAIRINGS:
        parts.append(f"""
            SELECT b.mention_id FROM dd_edge a
            JOIN dd_near b ON a.event_type = b.event_type AND a.country = b.country AND a.{key} = b.{key}
                 AND a.date_start <= b.date_end AND b.date_start <= a.date_end
            WHERE {left} AND {right} AND {extra} AND a.mention_id <> b.mention_id AND {_NOT_ONE_FILE}""")
    return " UNION ".join(parts)


def _close_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Grow dd_scope (starting as the touched mentions) until it holds every candidate of its mentions and
    every mention that shared an event with one of them. Keys are computed only for each step's frontier
    (dd_edge) and the mentions of its types and countries whose dates overlap it (dd_near), never for every
    mention: a candidate always shares type, country and a day."""
    con.execute("CREATE OR REPLACE TEMP TABLE dd_frontier AS SELECT mention_id FROM dd_scope")
    while True:
        con.execute(f"CREATE OR REPLACE TEMP TABLE dd_edge AS {_keys_of('SEMI JOIN dd_frontier USING (mention_id)')}")
        _near(con)
        con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_new AS
            SELECT mention_id FROM ({_partners_sql()}
                UNION SELECT {_MERGED} FROM overrides WHERE action = 'merge'
                      AND mention_id IN (SELECT mention_id FROM dd_frontier)
                UNION SELECT mention_id FROM overrides WHERE action = 'merge'
                      AND {_MERGED} IN (SELECT mention_id FROM dd_frontier)
                UNION SELECT em2.mention_id FROM event_mentions em1
                      JOIN event_mentions em2 ON em1.event_id = em2.event_id
                      WHERE em1.mention_id IN (SELECT mention_id FROM dd_frontier))
            EXCEPT SELECT mention_id FROM dd_scope""")
        if not con.execute("SELECT count(*) FROM dd_new").fetchone()[0]:
            break
        con.execute("INSERT INTO dd_scope SELECT mention_id FROM dd_new")
        con.execute("CREATE OR REPLACE TEMP TABLE dd_frontier AS SELECT mention_id FROM dd_new")
    for table in ("dd_new", "dd_frontier", "dd_edge", "dd_near"):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _near(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table dd_near: the keys of the mentions whose type, country and dates overlap a mention of dd_edge,
    found by equality joins: a mention with keys spans at most MAX_SPAN_DAYS, so one that overlaps an edge
    mention starts on a day from MAX_SPAN_DAYS before it to its end; on such a day it overlaps one when it
    ends on or after the earliest start (`reach`) of the edge mentions whose range holds that day."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_near_days AS
        SELECT event_type, country, day, min(date_start) AS reach
        FROM (SELECT event_type, country, date_start,
                     unnest(generate_series(date_start - INTERVAL {int(MAX_SPAN_DAYS)} DAY, date_end,
                                            INTERVAL 1 DAY))::DATE AS day FROM dd_edge)
        GROUP BY ALL""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_near AS {_keys_of(
        'SEMI JOIN dd_near_days d ON m.event_type = d.event_type AND m.country = d.country '
        'AND m.date_start = d.day AND m.date_end >= d.reach')}""")
    con.execute("DROP TABLE dd_near_days")


def _touched(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table dd_scope: mentions stored or replaced since the last dedupe, withdrawn ones (still linked to
    an event, no longer stored) and those whose override was added, changed or removed."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE dd_scope AS
        WITH changed AS (SELECT * FROM overrides EXCEPT SELECT * FROM overrides_applied
                         UNION ALL (SELECT * FROM overrides_applied EXCEPT SELECT * FROM overrides))
        SELECT mention_id FROM dedupe_pending
        UNION SELECT mention_id FROM event_mentions ANTI JOIN mentions USING (mention_id)
              WHERE mention_id NOT IN (SELECT mention_id FROM overrides WHERE action = 'add')
        UNION SELECT mention_id FROM changed
        UNION SELECT {_MERGED} FROM changed WHERE action = 'merge'""")


def _single_events_sql(exclude: str) -> str:
    """INSERT of the events of one mention each: every stored mention not in `exclude` (a relation of ids)."""
    cols = [c for c in EVENT_SCHEMA if c not in ("event_id", "n_sources", "n_mentions", "review_status")]
    return f"""INSERT INTO events (event_id, {', '.join(cols)}, n_sources, n_mentions, review_status)
        SELECT 'e_' || (CASE WHEN starts_with(mention_id, 'm_') THEN mention_id[3:] ELSE mention_id END),
               {', '.join(cols)}, 1, 1, '{REVIEW_STATUSES[0]}'
        FROM mentions ANTI JOIN {exclude} USING (mention_id)"""


def _single_links_sql(exclude: str) -> str:
    return f"""INSERT INTO event_mentions (event_id, mention_id, is_representative, merge_reason)
        SELECT 'e_' || (CASE WHEN starts_with(mention_id, 'm_') THEN mention_id[3:] ELSE mention_id END),
               mention_id, TRUE, 'single mention'
        FROM mentions ANTI JOIN {exclude} USING (mention_id)"""


def _exact(con: duckdb.DuckDBPyConnection, scope: str, overrides: pl.DataFrame
           ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """build_events over the mentions whose ids are in the relation `scope`: the stored ones, and those analysts
    added (which live in their `add` overrides), with the overrides of these mentions only."""
    mentions = con.execute(f"SELECT {', '.join(MENTION_COLUMNS)} FROM mentions SEMI JOIN {scope} USING (mention_id)"
                           " ORDER BY mention_id").pl().cast(MENTION_SCHEMA)
    ids = [i for (i,) in con.execute(f"SELECT DISTINCT mention_id FROM {scope}").fetchall()]
    if overrides.height:
        merged = pl.col("value").str.replace(r"^e_", "m_")
        overrides = overrides.filter(pl.col("mention_id").is_in(ids)
                                     | ((pl.col("action") == "merge") & merged.is_in(ids)))
    return build_events(mentions, overrides)


def _write(con: duckdb.DuckDBPyConnection, events: pl.DataFrame, links: pl.DataFrame) -> None:
    from flows.store import bulk_writes

    with bulk_writes(con):
        if events.height:
            con.register("dd_events", events.select(list(EVENT_SCHEMA)))
            con.execute(f"INSERT INTO events ({', '.join(EVENT_SCHEMA)}) SELECT * FROM dd_events")
            con.unregister("dd_events")
        if links.height:
            con.register("dd_links", links.select(LINK_COLUMNS))
            con.execute(f"INSERT INTO event_mentions ({', '.join(LINK_COLUMNS)}) SELECT * FROM dd_links")
            con.unregister("dd_links")


def _finish(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE events_version SET version = version + 1")
    con.execute("DELETE FROM dedupe_pending")
    con.execute("DELETE FROM overrides_applied")
    con.execute("INSERT INTO overrides_applied SELECT * FROM overrides")


def dedupe(con: duckdb.DuckDBPyConnection, full: bool = False) -> DedupeResult:
    """Bring events and event_mentions up to date with the stored mentions and overrides: incrementally when
    few mentions changed, else (or with full) rebuilt whole. Idempotent; a no-op when nothing changed."""
    from flows.store import bulk_writes, transaction

    overrides = valid_overrides(con.execute("SELECT * FROM overrides ORDER BY created_at, override_id").pl())
    _touched(con)
    touched = con.execute("SELECT count(*) FROM dd_scope").fetchone()[0]
    n_mentions = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
    n_events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    if not full and touched == 0 and (n_events or not n_mentions):
        return DedupeResult("none", n_events)
    if not full and n_events and touched < FULL_REBUILD_SHARE * n_mentions:
        _prepare(con, overrides)
        _close_scope(con)
        events, links = _exact(con, "dd_scope", overrides)
        scope = con.execute("SELECT count(*) FROM dd_scope").fetchone()[0]
        with transaction(con):
            con.execute("""CREATE OR REPLACE TEMP TABLE dd_old AS SELECT DISTINCT event_id FROM event_mentions
                           SEMI JOIN dd_scope USING (mention_id)""")
            con.execute("DELETE FROM events WHERE event_id IN (SELECT event_id FROM dd_old)")
            con.execute("DELETE FROM event_mentions WHERE event_id IN (SELECT event_id FROM dd_old)")
            _write(con, events, links)
            _finish(con)
        mode = "incremental"
    else:
        _prepare(con, overrides)
        _all_keys(con)
        _all_candidates(con)
        con.execute("INSERT INTO dd_involved SELECT mention_id FROM dd_overridden")
        events, links = _exact(con, "dd_involved", overrides)
        scope = con.execute("SELECT count(DISTINCT mention_id) FROM dd_involved").fetchone()[0]
        with transaction(con):
            con.execute("DELETE FROM events")
            con.execute("DELETE FROM event_mentions")
            with bulk_writes(con):
                con.execute(_single_events_sql("dd_involved"))
                con.execute(_single_links_sql("dd_involved"))
            _write(con, events, links)
            _finish(con)
        mode = "full"
    total = con.execute("SELECT count(*) FROM events").fetchone()[0]
    return DedupeResult(mode, total, touched, scope, override_notes(con, overrides))


def override_notes(con: duckdb.DuckDBPyConnection, overrides: pl.DataFrame) -> list[str]:
    """Overrides that did nothing this run: their mention is gone (its source changed or was withdrawn), or
    they cannot be applied as written. Said in the run summary, never silently skipped."""
    from flows.overrides import invalid_overrides

    notes = []
    if overrides.is_empty():
        return notes
    con.register("dd_ov", overrides.select("override_id", "mention_id", "action"))
    orphans = [o for (o,) in con.execute(
        "SELECT override_id FROM dd_ov ANTI JOIN mentions USING (mention_id) WHERE mention_id NOT IN "
        "(SELECT mention_id FROM dd_ov WHERE action = 'add') ORDER BY override_id").fetchall()]
    con.unregister("dd_ov")
    if orphans:
        notes.append(f"{len(orphans)} override(s) match no mention and were not applied: {', '.join(orphans[:10])}")
    for oid, problem in invalid_overrides(overrides).select("override_id", "problem").iter_rows():
        notes.append(f"override {oid} was not applied: {problem}")
    return notes
