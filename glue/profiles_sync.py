"""c360 profile sync on AWS Glue: the profile store's computed half for every current customer.

Run by the daily pipeline's SyncProfiles state after the warehouse load. Runs
sql/profiles/computed.sql (the SQL the embedded runtime runs with DuckDB, src/runtime/profiles.ts)
with Spark SQL over the lake's gold tables and silver.identity_map, shapes each row into the
computed half the profile API reads (src/domain/profile.ts computedFromRow: keep the two in step)
and writes it, with the customer's identity links, to DynamoDB in batches from every partition
(boto3's batch writer resends unprocessed items). Items expire --retention_days after this write
(the tables' TTL), so a customer the run no longer has leaves the store by itself. Only the
customers whose row changed since the last sync are written (plus, each day, the share of the
others whose refresh is due, so a current customer's TTL never lapses): DynamoDB bills each write.

Arguments: --run_date YYYY-MM-DD --lake_bucket NAME --sql_prefix s3://bucket/artifacts/sql/
           --identities_table NAME --computed_table NAME [--retention_days 30]
"""
import hashlib
import json
import re
import sys
import time
from datetime import datetime, timezone


def _list(text):
    return [x for x in (text or "").split(",") if x]


def _iso(text):
    """`2026-12-01 10:00:00[.123]` or a date (either engine's text, UTC) -> ISO-8601 with Z."""
    if not text:
        return None
    s = str(text)
    if "T" not in s:
        s = s.replace(" ", "T") if len(s) > 10 else s + "T00:00:00"
    return s if s.endswith("Z") else s + "Z"


def _num(v):
    return None if v is None else float(v)


def computed_doc(row, computed_at):
    """A row of sql/profiles/computed.sql -> the computed half (camelCase, as ComputedProfile)."""
    return {
        "customerId": row["customer_id"],
        "identities": _list(row.get("identities")),
        "segment": row.get("segment"),
        "lifecycleStage": row.get("lifecycle_stage"),
        "country": row.get("country"),
        "firstSeen": _iso(row.get("first_seen_at")),
        "lastSeen": _iso(row.get("last_seen_at")),
        "orders": int(row.get("orders") or 0),
        "netUsd": None if row.get("net_usd") is None else str(row["net_usd"]),
        "churnProbability": _num(row.get("churn_probability")),
        "pAlive": _num(row.get("p_alive")),
        "clv12mUsd": None if row.get("clv_12m_usd") is None else str(row["clv_12m_usd"]),
        "expectedPurchases90d": _num(row.get("expected_purchases_90d")),
        "modelVersion": row.get("model_version"),
        "scoredAt": None if row.get("scored_at") is None else str(row["scored_at"]),
        "recommendations": [x[x.index("|") + 1:] for x in _list(row.get("recommendations"))],
        "audiences": _list(row.get("audiences")),
        "computedAt": computed_at,
    }


def items_of(row, computed_at, expires_at):
    """The DynamoDB items of one customer: its computed half and one link per identity key."""
    doc = computed_doc(row, computed_at)
    half = {"customer_id": doc["customerId"], "doc": json.dumps(doc, separators=(",", ":")), "expiresAt": expires_at}
    links = [{"node": n, "customer_id": doc["customerId"], "expiresAt": expires_at} for n in doc["identities"]]
    return half, links


def refresh_due(key, day_number, every_days):
    """An item nobody changed is rewritten once every `every_days` (so its TTL never lapses while it
    is current): on the day its key's hash falls on, spreading the rewrites evenly over the days."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % every_days == day_number % every_days


def write_partition(rows, tables, computed_at, expires_at, resource=None):
    """Writes one partition's customers; returns how many. boto3's batch writer sends by 25 and resends what is unprocessed."""
    import boto3

    db = resource or boto3.resource("dynamodb")
    n = 0
    with db.Table(tables["computed"]).batch_writer(overwrite_by_pkeys=["customer_id"]) as halves, db.Table(
        tables["identities"]
    ).batch_writer(overwrite_by_pkeys=["node"]) as ids:
        for row in rows:
            half, links = items_of(row, computed_at, expires_at)
            halves.put_item(Item=half)
            for link in links:
                ids.put_item(Item=link)
            n += 1
    return n


def main(argv):
    import boto3
    from awsglue.utils import getResolvedOptions
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    names = ["run_date", "lake_bucket", "sql_prefix", "identities_table", "computed_table"]
    args = getResolvedOptions(argv, names)
    days = int(getResolvedOptions(argv, ["retention_days"])["retention_days"]) if "--retention_days" in argv else 30
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", args["run_date"]):
        raise ValueError("--run_date must be YYYY-MM-DD")
    spark = SparkSession.builder.appName("c360-profiles-sync").enableHiveSupport().getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    m = re.match(r"^s3://([^/]+)/(.*)$", args["sql_prefix"])
    if not m:
        raise ValueError("--sql_prefix must be s3://bucket/prefix/")
    sql = boto3.client("s3").get_object(Bucket=m.group(1), Key=m.group(2) + "profiles/computed.sql")["Body"].read().decode()
    lake = f"s3://{args['lake_bucket']}"
    # Read by path, as the ETL job writes them (no catalog or Lake Formation grant needed).
    spark.read.parquet(f"{lake}/silver/identity_map/").createOrReplaceTempView("identity_map")
    for table in ("dim_customer", "customer_rfm", "customer_recommendations", "audience_members"):
        spark.read.parquet(f"{lake}/gold/{table}/").createOrReplaceTempView(table)
    # gold.customer_scores in AWS is the scoring Map's CSV files (template.yaml CustomerScoresGlueTable).
    spark.read.option("header", True).csv(f"{lake}/scores/model=customer/").createOrReplaceTempView("customer_scores_raw")
    spark.sql(
        "SELECT customer_id, CAST(scored_at AS DATE) AS scored_at, CAST(churn_probability AS DOUBLE) AS churn_probability, "
        "segment, CAST(clv_12m_usd AS DECIMAL(18,2)) AS clv_12m_usd, CAST(p_alive AS DOUBLE) AS p_alive, "
        "CAST(expected_purchases_90d AS DOUBLE) AS expected_purchases_90d, model_version FROM customer_scores_raw"
    ).createOrReplaceTempView("customer_scores")
    computed_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    expires_at = int(time.time()) + days * 86400
    tables = {"computed": args["computed_table"], "identities": args["identities_table"]}
    # Only what changed since the last sync is written (DynamoDB bills every write): each run keeps
    # a snapshot of the rows it synced (profiles/sync/); a row equal to the last run's is written
    # again only when its refresh is due, so its TTL never lapses while it is current.
    rows = spark.sql(f"SELECT *, sha2(to_json(struct(*)), 256) AS row_hash FROM ({sql}) t")
    snapshot = f"{lake}/profiles/sync/"
    try:
        previous = spark.read.parquet(snapshot).select("customer_id", F.col("row_hash").alias("previous_hash"))
    except Exception:  # the first sync: everything is new
        previous = spark.createDataFrame([], "customer_id string, previous_hash string")
    day = int(time.time() // 86400)
    every = max(1, days // 2)
    due = F.udf(lambda cid: refresh_due(cid, day, every), "boolean")
    changed = rows.join(previous, "customer_id", "left").where(
        F.col("previous_hash").isNull() | (F.col("previous_hash") != F.col("row_hash")) | due(F.col("customer_id"))
    ).drop("previous_hash", "row_hash")
    written = changed.rdd.mapPartitions(
        lambda part: [write_partition((r.asDict() for r in part), tables, computed_at, expires_at)]
    ).sum()
    rows.select("customer_id", "row_hash").write.mode("overwrite").parquet(snapshot)
    print(json.dumps({"profiles_written": written, "run_date": args["run_date"]}))


if __name__ == "__main__":
    main(sys.argv)
