"""Test-session plugins: real servers started on free loopback ports and stopped afterwards."""

pytest_plugins = [
    "integration_pipelines_tests.fixtures.postgres",
    "integration_pipelines_tests.fixtures.sandbox",
    "integration_pipelines_tests.fixtures.moto_s3",
    "integration_pipelines_tests.fixtures.bigquery",
    "integration_pipelines_tests.fixtures.redis",
]
