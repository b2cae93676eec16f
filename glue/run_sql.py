"""c360 ETL on AWS Glue: runs sql/pipeline.json with Spark SQL, the same plan and SQL files the
embedded runtime runs with DuckDB (src/etl/runner.ts). Keep the two in step.

Arguments: --run_date_from YYYY-MM-DD --run_date_to YYYY-MM-DD --lake_bucket NAME
           --sql_prefix s3://bucket/artifacts/sql/
Sources registered here (engine-specific, like in the DuckDB runner): bronze_events,
bronze_identities, ref_currency_rates. Partitioned steps overwrite only the dt partitions they
produce (spark.sql.sources.partitionOverwriteMode=dynamic); table steps are rewritten whole.
"""
import json
import re
import sys

import boto3
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["run_date_from", "run_date_to", "lake_bucket", "sql_prefix"])
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
if not DATE.match(args["run_date_from"]) or not DATE.match(args["run_date_to"]):
    raise ValueError("--run_date_from and --run_date_to must be YYYY-MM-DD")

spark = GlueContext(SparkContext.getOrCreate()).spark_session
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
s3 = boto3.client("s3")
lake = f"s3://{args['lake_bucket']}"
bucket, prefix = args["sql_prefix"].replace("s3://", "").split("/", 1)


def read_text(key):
    return s3.get_object(Bucket=bucket, Key=prefix + key)["Body"].read().decode("utf-8")


def render(sql, name):
    params = {"from": args["run_date_from"], "to": args["run_date_to"]}

    def sub(m):
        if m.group(1) not in params:
            raise ValueError(f"{name}: unknown parameter ${{{m.group(1)}}}")
        return params[m.group(1)]

    return re.sub(r"\$\{(\w+)\}", sub, sql)


# Sources: bronze JSON for the run's dates (partition pruning on dt), flattened identities.
PROPERTY_FIELDS = [
    "action", "amount", "campaign", "contactId", "costAmount", "costCurrency", "currency", "itemCount",
    "lifecycleStage", "mediaSource", "mentionId", "network", "orderId", "platform", "priority",
    "revenueAmount", "revenueCurrency", "satisfaction", "satisfactionScore", "sentiment",
    "sentimentScore", "status", "ticketId",
]
# Same typed schema as the DuckDB runner (src/etl/runner.ts BRONZE_COLUMNS): known fields as text.
bronze_schema = (
    "eventId STRING, type STRING, event STRING, source STRING, kind STRING, userId STRING, "
    "anonymousId STRING, receivedAt STRING, `timestamp` STRING, "
    f"properties STRUCT<{', '.join(f'`{f}`: STRING' for f in PROPERTY_FIELDS)}>, "
    "traits STRUCT<country: STRING>, identities ARRAY<STRUCT<type: STRING, value: STRING>>, "
    "enrichment STRUCT<ua: STRUCT<browser: STRING, deviceType: STRING, os: STRING>, geo: STRUCT<country: STRING>, "
    "campaign: STRUCT<source: STRING, medium: STRING, name: STRING, referrerClass: STRING>>, "
    "flags STRUCT<bot: STRING, late: STRING>"
)
raw = (
    spark.read.schema(bronze_schema)
    .option("basePath", f"{lake}/bronze/events/")
    .json(f"{lake}/bronze/events/source=*/event_type=*/dt=*/hour=*/")
    .where(f"dt BETWEEN '{args['run_date_from']}' AND '{args['run_date_to']}'")
)
raw.createOrReplaceTempView("bronze_raw")
spark.sql("""
  SELECT eventId AS event_id, type AS event_type, event, source, kind, userId AS user_id,
    anonymousId AS anonymous_id, CAST(receivedAt AS TIMESTAMP) AS received_at,
    CAST(`timestamp` AS TIMESTAMP) AS ts, substr(`timestamp`, 1, 10) AS dt,
    properties, traits, enrichment, flags
  FROM bronze_raw""").createOrReplaceTempView("bronze_events")
spark.sql("""
  SELECT eventId AS event_id, substr(`timestamp`, 1, 10) AS dt, i.type AS id_type, i.value AS id_value
  FROM bronze_raw LATERAL VIEW explode(identities) x AS i""").createOrReplaceTempView("bronze_identities")
for ref in ("currency_rates", "countries"):
    spark.read.option("header", "true").option("inferSchema", "true").csv(
        f"s3://{bucket}/{prefix}reference/{ref}.csv"
    ).createOrReplaceTempView(f"ref_{ref}")

plan = json.loads(read_text("pipeline.json"))
for step in plan["steps"]:
    sql = render(read_text(step["sql"]), step["sql"])
    kind, name = step["kind"], step["name"]
    if kind == "partitioned":
        df = spark.sql(sql)
        df.write.mode("overwrite").partitionBy("dt").parquet(f"{lake}/{step['path']}")
        spark.read.parquet(f"{lake}/{step['path']}").createOrReplaceTempView(name)
    elif kind in ("table", "temp"):
        df = spark.sql(sql).cache()
        df.createOrReplaceTempView(name)
        if kind == "table":
            df.coalesce(1).write.mode("overwrite").parquet(f"{lake}/{step['path']}")
    elif kind == "iterate":
        step_sql = render(read_text(step["step"]), step["step"])
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
    elif kind == "check":
        failures = spark.sql(sql).first()["failures"]
        if failures and failures > 0:
            raise RuntimeError(f"data quality check {name} failed: {failures} offending row(s)")
    print(json.dumps({"step": name, "kind": kind}))
