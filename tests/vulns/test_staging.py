"""Staging parsed records on disk: alias groups come back whole, in reading order."""

from __future__ import annotations

from vulns.model import SourceRecord
from vulns.staging import Stage


def test_records_come_back_one_alias_group_at_a_time_in_reading_order(tmp_path):
    stage = Stage(tmp_path)
    read = [
        SourceRecord("GHSA-1", "GHSA", aliases=("CVE-1",)),
        SourceRecord("CVE-2", "NVD"),
        SourceRecord("PYSEC-1", "PYSEC", aliases=("GHSA-1",)),
        SourceRecord("CVE-1", "NVD"),
        SourceRecord("CVE-3", "NVD", withdrawn=True),
    ]
    for record in read:
        stage.add(record)
    groups = [[r.id for r in group] for group in stage.merged_groups()]
    stage.close()
    assert sorted(groups) == [["CVE-2"], ["GHSA-1", "PYSEC-1", "CVE-1"]]
    assert (stage.records, stage.withdrawn) == (5, 1)
    assert stage.by_source == {"GHSA": 1, "NVD": 3, "PYSEC": 1}


def test_more_records_than_one_batch_are_all_staged(tmp_path):
    stage = Stage(tmp_path)
    for number in range(4500):
        stage.add(SourceRecord(f"CVE-{number}", "NVD", aliases=(f"GHSA-{number // 2}",)))
    groups = list(stage.merged_groups())
    stage.close()
    assert len(groups) == 2250 and sum(len(g) for g in groups) == 4500
