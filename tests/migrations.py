"""Tests of the data migrations that move and recompute existing rows (issues 19 and 21).

They take the demo's database back through dozens of migrations and forward again, which costs
about a minute of test time, mostly Django building the historical models. They run where
production data is migrated, against PostgreSQL (`make test-postgres`, part of CI's `.ci/run`),
and are skipped by the SQLite run of `make test` to keep it under five minutes. The migrations
themselves are database-independent (Django's schema operations and RunPython through the ORM);
every SQLite test database is built by running all of them.
"""

import pytest
from django.db import connection

ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="migration tests run against PostgreSQL (make test-postgres, part of CI)",
)
