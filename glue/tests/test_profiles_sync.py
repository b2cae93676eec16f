"""glue/profiles_sync.py without Spark: the shaping of a computed.sql row into the profile API's
computed half, and the partition writer against moto's in-process DynamoDB (batch writes, one
link per identity key, TTL attribute)."""
import json
import pathlib
import sys

import boto3

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import profiles_sync  # noqa: E402

ROW = {
    "customer_id": "c_1",
    "identities": "email_hash:ab,user_id:u1",
    "segment": "champions",
    "lifecycle_stage": "customer",
    "country": "US",
    "first_seen_at": "2026-11-01 08:00:00",
    "last_seen_at": "2026-12-01 10:30:00.250",
    "orders": 3,
    "net_usd": "120.50",
    "churn_probability": 0.25,
    "p_alive": 0.9,
    "clv_12m_usd": "80.10",
    "expected_purchases_90d": 1.5,
    "model_version": "v1",
    "scored_at": "2026-12-01",
    "recommendations": "001|P-9,002|P-1|x",
    "audiences": "best_customers",
}


def test_a_row_becomes_the_computed_half_the_api_reads():
    doc = profiles_sync.computed_doc(ROW, "2026-12-02T00:00:00.000Z")
    assert doc["identities"] == ROW["identities"].split(",")
    assert doc["firstSeen"] == "2026-11-01T08:00:00Z"
    assert doc["lastSeen"] == "2026-12-01T10:30:00.250Z"
    # the rank prefix goes, a product id holding "|" stays whole
    assert doc["recommendations"] == ["P-9", "P-1|x"]
    assert doc["audiences"] == ["best_customers"]
    assert doc["netUsd"] == "120.50" and doc["clv12mUsd"] == "80.10"
    empty = profiles_sync.computed_doc({"customer_id": "c_2", "identities": "", "recommendations": None, "audiences": ""}, "t")
    assert empty["identities"] == [] and empty["recommendations"] == [] and empty["audiences"] == []
    assert empty["orders"] == 0 and empty["churnProbability"] is None and empty["firstSeen"] is None


def test_a_partition_is_written_with_its_links(mocked_aws):
    db = boto3.resource("dynamodb", region_name="us-east-1")
    for name, key in (("computed", "customer_id"), ("ids", "node")):
        db.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    rows = [dict(ROW, customer_id=f"c_{i}", identities=f"user_id:u{i},anonymous_id:a{i}") for i in range(30)]
    n = profiles_sync.write_partition(iter(rows), {"computed": "computed", "identities": "ids"}, "t", 1_900_000_000, db)
    assert n == 30
    assert db.Table("computed").scan()["Count"] == 30
    links = db.Table("ids").scan()["Items"]
    assert len(links) == 60
    assert {(i["node"], i["customer_id"]) for i in links} == {
        (f"{t}:{p}{i}", f"c_{i}") for i in range(30) for t, p in (("user_id", "u"), ("anonymous_id", "a"))
    }
    half = db.Table("computed").get_item(Key={"customer_id": "c_7"})["Item"]
    assert json.loads(half["doc"])["identities"] == ["user_id:u7", "anonymous_id:a7"]
    assert int(half["expiresAt"]) == 1_900_000_000


def test_an_unchanged_row_is_rewritten_once_every_period_spread_over_the_days():
    every = 15
    keys = [f"c_{i}" for i in range(3000)]
    for key in keys[:50]:
        due_days = [d for d in range(100, 100 + every) if profiles_sync.refresh_due(key, d, every)]
        assert len(due_days) == 1
    # spread: each day of the period refreshes roughly 1/15 of the customers
    per_day = [sum(profiles_sync.refresh_due(k, d, every) for k in keys) for d in range(every)]
    assert sum(per_day) == len(keys)
    assert max(per_day) < 2 * len(keys) / every
