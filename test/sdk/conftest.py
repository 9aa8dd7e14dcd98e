"""The real wandb SDK (pinned in python/requirements.txt) against the W&B protocol test server.

Each test is a public-API use W&B documents; a failure is a server bug to fix, never a test to skip.
Run by test/sdk/wandb-sdk.test.ts, which starts the server and sets WANDB_BASE_URL/WANDB_API_KEY.
"""
import os

import pytest
import wandb

ENTITY = "mlgate"


def reread(path):
    """A new Api: `api.run()` caches Run objects, so a read-back through it could prove nothing."""
    return wandb.Api(timeout=60).run(path)


@pytest.fixture(scope="module")
def api():
    assert os.environ.get("WANDB_BASE_URL", "").startswith("http://127.0.0.1:"), "WANDB_BASE_URL must point at the test server"
    return wandb.Api(timeout=60)
