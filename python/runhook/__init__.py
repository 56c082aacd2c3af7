"""runhook: self-hosted experiment tracking with declarative webhooks, wandb's API.

    import runhook as wandb      # a wandb script runs with only this line changed
    run = wandb.init(project="webhook-demo", config={"epochs": 3},
                     hooks=[wandb.hook(run_state="finished", url="https://example.com/recv",
                                       body='{"run_id": "{{run.id}}", "url": "{{run.url}}"}')])
    wandb.log({"loss": 0.25, "epoch": 0})
    wandb.finish()               # the server sends the hook

The package is a thin layer over the C++ SDK (runhook._runhook): log() only appends to an
in-memory batch that a background thread ships; init() and finish() wait without holding the
GIL. runhook.Api() reads runs back.
"""
from runhook._errors import Error
from runhook._hooks import Hook, hook
from runhook._run import Config, ConfigError, Run, Summary
from runhook._session import alert, define_metric, finish, init, log
from runhook.api import Api, ApiRun

__version__ = "0.1.0"

# Set by init() and reset by finish(), like wandb's globals.
run = None
config = None
summary = None

__all__ = ["Api", "ApiRun", "Config", "ConfigError", "Error", "Hook", "Run", "Summary", "alert",
           "config", "define_metric", "finish", "hook", "init", "log", "run", "summary"]
