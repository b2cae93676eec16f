"""c360 ETL on AWS Glue or EMR Serverless (same script, same arguments): runs sql/pipeline.json with Spark SQL, the same plan and SQL files the
embedded runtime runs with DuckDB (src/etl/runner.ts). Keep the two in step.

Arguments: --run_date_from YYYY-MM-DD --run_date_to YYYY-MM-DD --lake_bucket NAME
           --sql_prefix s3://bucket/artifacts/sql/ [--hub_limit 50] [--all_keys true|false]
Sources registered here (engine-specific, like in the DuckDB runner): bronze_events,
bronze_identities (namespaced event keys), bronze_order_lines, quarantine_events, silver_event_ids_prior, identity_map_previous,
the `previous` sources of pipeline.json (audience_members_previous, customer_scores_latest, …),
<partitioned step>__stored (its rows as stored before the run),
ref_currencies, ref_currency_rates, ref_countries. Same semantics as the DuckDB runner: the
session time zone is UTC; every output is written to a staging prefix and only published
(stale dt partitions of the run dropped, the run's partitions and whole tables replaced) after
every check passed; `warn` steps report without failing.
"""
import hashlib
import json
import re
import sys
import time
import uuid

import argparse

import boto3

try:  # AWS Glue
    from awsglue.context import GlueContext
    from awsglue.utils import getResolvedOptions
except ImportError:  # EMR Serverless (plain Spark): the same arguments, parsed by argparse
    GlueContext = None

if GlueContext is not None:
    args = getResolvedOptions(sys.argv, ["run_date_from", "run_date_to", "lake_bucket", "sql_prefix"])
    hub_limit = "50"
    if "--hub_limit" in sys.argv:
        hub_limit = getResolvedOptions(sys.argv, ["hub_limit"])["hub_limit"]
    all_keys = "false"
    if "--all_keys" in sys.argv:
        all_keys = getResolvedOptions(sys.argv, ["all_keys"])["all_keys"]
else:
    parser = argparse.ArgumentParser(description="c360 ETL (EMR Serverless)")
    for name in ("run_date_from", "run_date_to", "lake_bucket", "sql_prefix"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--hub_limit", default="50")
    parser.add_argument("--all_keys", default="false")
    parsed = vars(parser.parse_known_args(sys.argv[1:])[0])
    hub_limit = parsed.pop("hub_limit")
    all_keys = parsed.pop("all_keys")
    args = parsed
if not hub_limit.isdigit() or int(hub_limit) < 1:
    raise ValueError("--hub_limit must be a positive integer")
if all_keys not in ("true", "false"):
    raise ValueError("--all_keys must be true or false")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
if not DATE.match(args["run_date_from"]) or not DATE.match(args["run_date_to"]):
    raise ValueError("--run_date_from and --run_date_to must be YYYY-MM-DD")

if GlueContext is not None:
    from pyspark.context import SparkContext

    spark = GlueContext(SparkContext.getOrCreate()).spark_session
else:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("c360-etl").getOrCreate()
from pyspark import StorageLevel

spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
spark.conf.set("spark.sql.session.timeZone", "UTC")
s3 = boto3.client("s3")
lake = f"s3://{args['lake_bucket']}"
bucket, prefix = args["sql_prefix"].replace("s3://", "").split("/", 1)


def read_text(key):
    return s3.get_object(Bucket=bucket, Key=prefix + key)["Body"].read().decode("utf-8")


# Nothing stored before this run (set once the prior silver events are read): keyed steps rebuild
# every key. A keyed step with no stored rows of its own renders it true too.
full_rebuild = "true"


def render(sql, name, overrides=None):
    params = {"from": args["run_date_from"], "to": args["run_date_to"], "hub_limit": hub_limit,
              "full_rebuild": full_rebuild, **(overrides or {})}

    def sub(m):
        if m.group(1) not in params:
            raise ValueError(f"{name}: unknown parameter ${{{m.group(1)}}}")
        return params[m.group(1)]

    return re.sub(r"\$\{(\w+)\}", sub, sql)


# Sources: bronze JSON for the run's dates (partition pruning on dt), with the typed schema both
# engines render from sql/sources/bronze.json (the DuckDB runner renders the same file).
bronze_source = json.loads(read_text("sources/bronze.json"))


def spark_type(t):
    if t == "string":
        return "STRING"
    if isinstance(t, list):
        return f"ARRAY<{spark_type(t[0])}>"
    return "STRUCT<" + ", ".join(f"`{k}`: {spark_type(v)}" for k, v in t.items()) + ">"


bronze_schema = ", ".join(f"`{k}` {spark_type(v)}" for k, v in bronze_source["columns"].items())
raw = (
    spark.read.schema(bronze_schema)
    .option("basePath", f"{lake}/bronze/events/")
    .json(f"{lake}/bronze/events/source=*/event_type=*/dt=*/hour=*/")
    # bronze dt is the arrival date: the run reads what arrived in its range
    .where(f"dt BETWEEN '{args['run_date_from']}' AND '{args['run_date_to']}'")
)
# Parsed once, kept for the three readers (silver events, identities, order lines), as the
# DuckDB runner's temp table; spills to disk when it does not fit in memory.
raw = raw.persist(StorageLevel.MEMORY_AND_DISK)
raw.createOrReplaceTempView("bronze_raw")
# The namespaced event key, as src/domain/event.ts eventKey builds it.
EVENT_KEY = bronze_source["eventKey"]
# Whether an event came with a public (client-side) write key, as src/domain/trust.ts trustOf decides.
CLIENT_SIDE = bronze_source["clientSide"]
spark.sql(f"""
  SELECT {EVENT_KEY} AS event_id, eventId AS source_event_id, type AS event_type, event, source, kind, userId AS user_id,
    anonymousId AS anonymous_id, CAST(receivedAt AS TIMESTAMP) AS received_at,
    CAST(`timestamp` AS TIMESTAMP) AS ts, substr(`timestamp`, 1, 10) AS dt,
    substr(receivedAt, 1, 10) AS received_dt, properties, traits, enrichment, flags, context
  FROM bronze_raw""").createOrReplaceTempView("bronze_events")
spark.sql(f"""
  SELECT {EVENT_KEY} AS event_id, substr(`timestamp`, 1, 10) AS dt, substr(receivedAt, 1, 10) AS received_dt,
    i.type AS id_type, i.value AS id_value, {CLIENT_SIDE} AS client_side
  FROM bronze_raw LATERAL VIEW explode(identities) x AS i""").createOrReplaceTempView("bronze_identities")
spark.sql(f"""
  SELECT {EVENT_KEY} AS event_id, substr(`timestamp`, 1, 10) AS dt, substr(receivedAt, 1, 10) AS received_dt,
    CAST(receivedAt AS TIMESTAMP) AS received_at, x.line, x.pos + 1 AS line_no
  FROM bronze_raw LATERAL VIEW posexplode(properties.items) x AS pos, line
  WHERE type = 'order_completed'""").createOrReplaceTempView("bronze_order_lines")
# Quarantine records' clear fields (the originals stay sealed), every partition: gold.quarantine_daily.
try:
    q = spark.read.schema("reason STRING, source STRING, quarantinedAt STRING").json(f"{lake}/quarantine/*/*/")
except Exception:  # nothing quarantined yet
    q = spark.createDataFrame([], "reason STRING, source STRING, quarantinedAt STRING")
q.selectExpr("reason", "source", "quarantinedAt AS quarantined_at").createOrReplaceTempView("quarantine_events")
for ref in ("currencies", "currency_rates", "countries"):
    # The lake's own reference copy (e.g. ECB rates imported with `c360 rates import`) wins.
    own = f"{lake}/reference/{ref}.csv"
    try:
        df = spark.read.option("header", "true").csv(own)
        df.first()
    except Exception:
        df = spark.read.option("header", "true").csv(f"s3://{bucket}/{prefix}reference/{ref}.csv")
    df.createOrReplaceTempView(f"ref_{ref}_raw")
spark.sql("SELECT currency, CAST(exponent AS INT) AS exponent, CAST(minor_per_unit AS BIGINT) AS minor_per_unit FROM ref_currencies_raw").createOrReplaceTempView("ref_currencies")
spark.sql("SELECT CAST(rate_date AS DATE) AS rate_date, upper(currency) AS currency, CAST(usd_per_unit AS DOUBLE) AS usd_per_unit FROM ref_currency_rates_raw").createOrReplaceTempView("ref_currency_rates")
spark.sql("SELECT * FROM ref_countries_raw").createOrReplaceTempView("ref_countries")


# Next to a keyed table: the version of the SQL that wrote its rows (Spark and Athena skip `_` files).
KEYED_VERSION_FILE = "_sql_version"


def stored_version(path):
    try:
        return s3.get_object(Bucket=args["lake_bucket"], Key=f"{path}/{KEYED_VERSION_FILE}")["Body"].read().decode().strip()
    except s3.exceptions.NoSuchKey:
        return None


def stored(path):
    # Partitions written before a column was added lack it: read them by name (missing = NULL).
    try:
        return spark.read.option("mergeSchema", "true").parquet(path)
    except Exception:  # nothing stored yet
        return None


# Publishing is crash-safe (the embedded runner does the same with renames, src/etl/publish.ts).
# A run stages every output under _staging/<run>/; to publish, it first writes its journal
# (_staging/<run>/_PUBLISH.json: for each table prefix it replaces, the staged objects to copy in
# and the keys that will then be the prefix's only objects), then carries it out: copy, delete
# what is not in the new set, write the keyed versions, delete the journal, delete staging. Every
# step is safe to repeat, so a job that dies midway (a timeout, a lost executor) is finished by the
# next run before it reads anything: a table holds the whole run's output or none of it, never a
# mix of two runs. Staging without a journal is a run that never published: deleted.
JOURNAL = "_PUBLISH.json"
_bucket = args["lake_bucket"]


def _keys(pfx):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=_bucket, Prefix=pfx):
        out.extend(o["Key"] for o in page.get("Contents", []))
    return out


def _exists(key):
    try:
        s3.head_object(Bucket=_bucket, Key=key)
        return True
    except Exception:  # 404: not there
        return False


def _delete(keys):
    for i in range(0, len(keys), 1000):
        s3.delete_objects(Bucket=_bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})


def roll_forward(journal_key):
    journal = json.loads(s3.get_object(Bucket=_bucket, Key=journal_key)["Body"].read())
    for op in journal["ops"]:
        targets = set()
        for src, dst in op["copies"]:
            targets.add(dst)
            if _exists(src):
                s3.copy_object(Bucket=_bucket, Key=dst, CopySource={"Bucket": _bucket, "Key": src})
            elif not _exists(dst):
                raise RuntimeError(f"publish journal {journal_key}: neither {src} nor {dst} exists; restore from a backup")
        keep = targets | {op["prefix"] + KEYED_VERSION_FILE}
        _delete([k for k in _keys(op["prefix"]) if k not in keep])
        if op.get("version"):
            s3.put_object(Bucket=_bucket, Key=op["prefix"] + KEYED_VERSION_FILE, Body=(op["version"] + "\n").encode())
        elif op.get("whole"):
            _delete([op["prefix"] + KEYED_VERSION_FILE])
    s3.delete_object(Bucket=_bucket, Key=journal_key)
    _delete(_keys(journal["staging"]))


def recover_interrupted_runs():
    """Finishes a publish a crashed run began; deletes staging no journal claims. Returns (finished, removed)."""
    staged = _keys("_staging/")
    journals = sorted(k for k in staged if k.endswith("/" + JOURNAL))
    for j in journals:
        roll_forward(j)
    leftovers = [k for k in _keys("_staging/")]
    _delete(leftovers)
    return len(journals), len({k.split("/")[1] for k in leftovers})


def publish(run_staging, outputs):
    """Journal first, then roll it forward (run_staging: the run's staging key prefix, ending in /)."""
    run = run_staging.rstrip("/").split("/")[-1]
    ops = []
    for step in outputs:
        staged_prefix = f"{run_staging}{step['path']}/"
        staged = [k for k in _keys(staged_prefix) if not k.rsplit("/", 1)[-1].startswith(("_", "."))]
        if step["kind"] == "partitioned":
            by_dt = {}
            for k in staged:
                d = k[len(staged_prefix):].split("/", 1)[0]
                by_dt.setdefault(d, []).append(k)
            for d in sorted(set(by_dt) | {f"dt={x}" for x in step["dts"]}):
                prefix = f"{step['path']}/{d}/"
                ops.append({"prefix": prefix, "copies": [[k, prefix + f"{run}-" + k.rsplit("/", 1)[-1]] for k in by_dt.get(d, [])]})
        else:
            prefix = f"{step['path']}/"
            ops.append({"prefix": prefix, "whole": True, "version": step.get("version"),
                        "copies": [[k, prefix + f"{run}-" + k.rsplit("/", 1)[-1]] for k in staged]})
    journal_key = f"{run_staging}{JOURNAL}"
    s3.put_object(Bucket=_bucket, Key=journal_key, Body=json.dumps({"staging": run_staging, "ops": ops}).encode())
    roll_forward(journal_key)


_finished, _removed = recover_interrupted_runs()
if _finished or _removed:
    print(json.dumps({"recovered": {"publishes_finished": _finished, "staging_runs_removed": _removed}}))

# What earlier runs stored, read before anything is replaced: silver event ids (global dedupe) and
# the previous identity map (stable customer ids).
prior = stored(f"{lake}/silver/events")
full_rebuild = "true" if prior is None or all_keys == "true" else "false"
(prior.select("event_id", "dt", "received_dt") if prior is not None else spark.createDataFrame([], "event_id STRING, dt STRING, received_dt STRING")).localCheckpoint().createOrReplaceTempView("silver_event_ids_prior")
prev_map = stored(f"{lake}/silver/identity_map")
if prev_map is not None and "customer_since" in prev_map.columns:
    prev_map = prev_map.select("node", "customer_id", prev_map["customer_since"].cast("string").alias("customer_since"))
elif prev_map is not None:
    prev_map = prev_map.selectExpr("node", "customer_id", "'0000-00-00' AS customer_since")
else:
    prev_map = spark.createDataFrame([], "node STRING, customer_id STRING, customer_since STRING")
prev_map.localCheckpoint().createOrReplaceTempView("identity_map_previous")


def register_previous(name, source):
    """A `previous` source of sql/pipeline.json: the published table before this run, its declared
    columns only (one an older release did not write reads as NULL), or empty. The customer scores
    are the scoring Map's CSV files in AWS (template.yaml CustomerScoresGlueTable), not a gold table."""
    if source["path"] == "gold/customer_scores":
        try:
            df = spark.read.option("header", True).csv(f"{lake}/scores/model=customer/")
        except Exception:  # never scored
            df = None
    else:
        df = stored(f"{lake}/{source['path']}")
    cols = source["columns"]
    if df is None:
        df = spark.createDataFrame([], ", ".join(f"{c} {t}" for c, t in cols.items()))
    else:
        df = df.selectExpr(*[f"CAST({c if c in df.columns else 'NULL'} AS {t}) AS {c}" for c, t in cols.items()])
    df.localCheckpoint().createOrReplaceTempView(name)


for _name, _source in json.loads(read_text("pipeline.json")).get("previous", {}).items():
    register_previous(_name, _source)

run_id = f"run-{args['run_date_from']}-{args['run_date_to']}-{spark.sparkContext.applicationId}"
staging = f"{lake}/_staging/{run_id}"
outputs = []
warnings = []

# Records Firehose could not deliver or partition are under firehose-errors/: accepted but not in
# bronze. Stop before building anything, naming where they are (the DuckDB runner does the same).
_frm, _to = args["run_date_from"], args["run_date_to"]
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=args["lake_bucket"], Prefix="firehose-errors/"):
    bad = [o["Key"] for o in page.get("Contents", [])
           if "/dt=" in o["Key"] and _frm <= o["Key"].split("/dt=", 1)[1][:10] <= _to]
    if bad:
        raise RuntimeError(
            f"data quality check dq_no_firehose_errors failed: {len(bad)} error object(s) (e.g. {bad[0]}); "
            "re-drive the Firehose error output first"
        )

_started = time.time()
_cloudwatch = boto3.client("cloudwatch")


def put_metrics(**values):
    """The ETL's metrics, as the embedded runner emits them (namespace c360, service c360)."""
    _cloudwatch.put_metric_data(
        Namespace="c360",
        MetricData=[
            {"MetricName": k, "Value": float(v), "Unit": "Seconds" if k.endswith("Seconds") else "Count",
             "Dimensions": [{"Name": "service", "Value": "c360"}]}
            for k, v in values.items()
        ],
    )


plan = json.loads(read_text("pipeline.json"))
for step in plan["steps"]:
    text = read_text(step["sql"])
    step_params = step.get("params") or {}  # this step's own ${...}, beside the run's
    sql = render(text, step["sql"], step_params)
    kind, name = step["kind"], step["name"]
    if kind == "partitioned":
        # The run's rows (events that ARRIVED in the range; bronze dt is arrival), merged into the
        # event-date partitions they touch: stored rows that arrived outside the range stay.
        new = spark.sql(sql).localCheckpoint()
        old = stored(f"{lake}/{step['path']}")
        in_range = f"received_dt BETWEEN '{args['run_date_from']}' AND '{args['run_date_to']}'"
        dts = {r["dt"] for r in new.select("dt").distinct().collect()}
        if old is not None:
            dts |= {r["dt"] for r in old.where(in_range).select("dt").distinct().collect()}
        dt_list = ", ".join(f"'{d}'" for d in sorted(dts)) or "''"
        merged = new if old is None else old.where(f"dt IN ({dt_list}) AND NOT ({in_range})").unionByName(new, allowMissingColumns=True)
        merged = merged.localCheckpoint()
        merged.write.mode("overwrite").partitionBy("dt").parquet(f"{staging}/{step['path']}")
        outputs.append({**step, "dts": sorted(dts)})
        view = merged if old is None else old.where(f"dt NOT IN ({dt_list})").unionByName(merged, allowMissingColumns=True)
        view.createOrReplaceTempView(name)
        # What was stored before the run (session_keys_touched reads the run's replaced rows).
        (old if old is not None else new.limit(0)).createOrReplaceTempView(f"{name}__stored")
    elif kind == "keyed":
        # The touched keys' rows recomputed over their whole history, every other key's stored
        # rows kept. Nothing stored (a first run, a table added since), or rows a different
        # version of the SQL wrote: all keys. The version is written next to the table at publish.
        old = stored(f"{lake}/{step['path']}")
        touched_step = next(p for p in plan["steps"] if p["name"] == step["touched"])
        version = hashlib.sha256(text.encode() + b"\0" + read_text(touched_step["sql"]).encode()).hexdigest()
        incremental = full_rebuild == "false" and old is not None and stored_version(step["path"]) == version
        df = spark.sql(render(text, step["sql"], {**step_params, "full_rebuild": "false" if incremental else "true"}))
        if incremental:
            touched = spark.table(step["touched"]).select(step["key"])
            df = old.join(touched, step["key"], "left_anti").unionByName(df, allowMissingColumns=True)
        df = df.localCheckpoint()
        df.createOrReplaceTempView(name)
        df.coalesce(1).write.mode("overwrite").parquet(f"{staging}/{step['path']}")
        outputs.append({**step, "version": version})
    elif kind in ("table", "temp"):
        df = spark.sql(sql)
        old = stored(f"{lake}/{step['path']}") if kind == "table" and step.get("retain") else None
        if old is not None:
            # History that outlives silver: stored rows older than silver's oldest day stay as
            # they are (src/etl/steps/table.ts does the same embedded).
            date, key = step["retain"]["date"], step["retain"]["key"]
            horizon = spark.sql("SELECT CAST(min(CAST(dt AS DATE)) AS STRING) AS h FROM silver_events").collect()[0]["h"]
            kept = old.where(f"CAST({date} AS DATE) < DATE'{horizon}'" if horizon else "TRUE")
            if step["retain"].get("prefer", "stored") == "stored":
                df = kept.unionByName(df.join(kept.select(key), key, "left_anti"), allowMissingColumns=True)
            else:
                df = df.unionByName(kept.join(df.select(key), key, "left_anti"), allowMissingColumns=True)
        df = df.localCheckpoint()
        df.createOrReplaceTempView(name)
        if kind == "table":
            df.coalesce(1).write.mode("overwrite").parquet(f"{staging}/{step['path']}")
            outputs.append(step)
    elif kind == "iterate":
        step_sql = render(read_text(step["step"]), step["step"], step_params)
        spark.sql(sql).cache().createOrReplaceTempView(name)
        for iteration in range(1, 51):
            nxt = spark.sql(step_sql).localCheckpoint()
            nxt.createOrReplaceTempView(f"{name}__next")
            changed = spark.sql(
                f"SELECT count(*) AS n FROM {name}__next x JOIN {name} o ON o.node = x.node WHERE o.label <> x.label"
            ).first()["n"]
            nxt.createOrReplaceTempView(name)
            if changed == 0:
                break
        else:
            raise RuntimeError(f"step {name} did not converge in 50 iterations")
    elif kind in ("check", "warn"):
        row = spark.sql(sql).first()
        failures = row["failures"] or 0
        example = row["example"] if "example" in row.asDict() else None
        if failures > 0 and kind == "check":
            put_metrics(DataQualityFailures=1)
            raise RuntimeError(
                f"data quality check {name} failed: {failures} offending row(s)"
                + (f" (e.g. {example})" if example else "")
                + "; the previous good output was left in place"
            )
        if failures > 0:
            warnings.append({"check": name, "failures": failures, "example": example})
    print(json.dumps({"step": name, "kind": kind}))

# Every check passed: publish. Partitioned tables get the event-date partitions the run touched
# (a touched partition with no rows left is removed), whole tables are replaced: through the journal.
publish(f"_staging/{run_id}/", outputs)

def _completeness(frm, to):
    """(source, day) bronze partitions expected (sources that delivered in the week before the run) and present."""
    import datetime as _dt
    day = lambda d: _dt.date.fromisoformat(d)
    dts = {}
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=args["lake_bucket"], Prefix="bronze/events/source=")
    for page in pages:
        for o in page.get("Contents", []):
            m = re.match(r"bronze/events/source=([^/]+)/event_type=[^/]+/dt=(\d{4}-\d{2}-\d{2})/", o["Key"])
            if m:
                dts.setdefault(m.group(1), set()).add(m.group(2))
    start, end = day(frm), day(to)
    week = {str(start - _dt.timedelta(days=i)) for i in range(1, 8)}
    days = [str(start + _dt.timedelta(days=i)) for i in range((end - start).days + 1)]
    expected = present = 0
    for source, have in dts.items():
        if not week & have:
            continue
        for d in days:
            expected += 1
            present += d in have
    return expected, present


# OpenLineage run events, as the embedded runner writes them (src/etl/lineage.ts): a step reads the
# plan relations its SQL names and writes its dataset. Row counts are not counted here (a Spark
# action each); the embedded runner reports them.
# The plan's sources: each relation registered above, with the lake dataset it stands for.
_SOURCE_DATASETS = plan["sources"]


def _lineage_events(run_id, now):
    produced = {st["name"]: st["path"] for st in plan["steps"] if st.get("path")}
    events = []
    for st in plan["steps"]:
        code = re.sub(r"--.*$", "", read_text(st["sql"]), flags=re.M)
        inputs = sorted({
            produced.get(n) or _SOURCE_DATASETS.get(n)
            for n in list(plan["sources"]) + [x["name"] for x in plan["steps"]]
            if n != st["name"] and re.search(rf"\b{n}\b", code) and (produced.get(n) or _SOURCE_DATASETS.get(n))
        } - {st.get("path")})
        events.append({
            "eventType": "COMPLETE", "eventTime": now, "producer": "https://github.com/c360/c360/blob/main/glue/run_sql.py",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent",
            "run": {"runId": run_id, "facets": {"c360_run": {"from": _frm, "to": _to}}},
            "job": {"namespace": "c360", "name": f"etl.{st['name']}", "facets": {"jobType": {"processingType": "BATCH", "integration": "SPARK", "jobType": st["kind"]}}},
            "inputs": [{"namespace": "c360-lake", "name": i} for i in inputs],
            "outputs": [{"namespace": "c360-lake", "name": st["path"]}] if st.get("path") else [],
        })
    return events


def write_exports(frm, to):
    """The warehouse loads' inputs (sql/warehouse/exports.json, generated from the table model): each
    table's SELECT over the run's views, cast to the warehouse types, written as Parquet to
    export/<table>/dt=<to>/ with the Redshift COPY manifest beside it (every part file, mandatory,
    its content_length: COPY from Parquet needs it). The load steps COPY by that manifest."""
    spec = json.loads(read_text("warehouse/exports.json"))
    written = []
    for ex in spec["exports"]:
        table = ex["table"]
        prefix = f"export/{table}/dt={to}/"
        # A rerun of the day replaces the day's export whole: the old parts and manifest go first.
        _delete(_keys(prefix))
        spark.sql(render(ex["sql"], f"exports.json:{table}")).coalesce(1).write.mode("overwrite").parquet(f"{lake}/{prefix}data")
        entries = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=_bucket, Prefix=f"{prefix}data/"):
            for o in page.get("Contents", []):
                if o["Key"].endswith(".parquet"):
                    entries.append({"url": f"s3://{_bucket}/{o['Key']}", "mandatory": True,
                                    "meta": {"content_length": o["Size"]}})
        s3.put_object(Bucket=_bucket, Key=f"{prefix}manifest.json", Body=json.dumps({"entries": entries}).encode())
        written.append(table)
    return written


_exported = write_exports(_frm, _to)
_lineage_run = str(uuid.uuid4())
_now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
s3.put_object(
    Bucket=args["lake_bucket"],
    Key=f"lineage/dt={_now[:10]}/run-{_lineage_run}.ndjson",
    Body="\n".join(json.dumps(e) for e in _lineage_events(_lineage_run, _now)) + "\n",
)
_expected, _present = _completeness(_frm, _to)
# Rows a row-level rule flagged (published as sent): the DataQualityRowsFlagged alarm.
_flagged = spark.table("dq_row_flags").count() if any(s["name"] == "dq_row_flags" for s in plan["steps"]) else 0
put_metrics(EtlSeconds=time.time() - _started, DataQualityFailures=0, DataQualityRowsFlagged=_flagged,
            PartitionsExpected=_expected, PartitionsPresent=_present)
print(json.dumps({"published": [s["name"] for s in outputs], "exported": _exported, "warnings": warnings}))
