"""hotline.metrics tests run against the panel's store (a migrated database with the panel's
users, for QA grades): the same fixtures as tests/web."""

from tests.web.conftest import panel  # noqa: F401  (a fixture)
