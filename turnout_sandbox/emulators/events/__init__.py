"""EventBridge as the sandbox needs it, on top of moto 5.2.5's events backend.

moto stores rules, targets, archives and replays, but its delivery differs from AWS: Step
Functions and Lambda targets raise ``NotImplementedError``, DISABLED rules still receive
events, an InputTransformer with an unquoted string placeholder fails, replays ignore their
time window and ``FilterArns``, ``TestEventPattern`` is a stub and scheduled rules never fire.
:data:`PATCHES` replace moto's ``EventsBackend`` methods (so PutEvents behaves the same
in-process, over HTTP and from state machine tasks) to do what AWS does. One module per concern:

- :mod:`.target_input`: a target's input (the event, ``Input``, ``InputPath`` or the
  ``InputTransformer`` result), pure.
- :mod:`.delivery`: each event put on a bus gets AWS's envelope (``version``, ``id``,
  ``detail-type``, ``source``, ``account``, ``time`` as ISO 8601 ``Z`` on the sandbox's
  virtual clock, ``region``, ``resources``, ``detail``) and goes to the targets of every
  ENABLED rule whose pattern matches: state machines, Lambda functions (asynchronously), SQS
  queues, CloudWatch log groups, other event buses and API destinations. One target failing
  never stops the others; every attempt is kept in :func:`delivered_log`.
- :mod:`.replay`: archives record every matching event that is not a replay; ``StartReplay``
  replays a time window, in time order, to the rules of the bus (or ``FilterArns``), with
  AWS's states.
- :mod:`.schedule`: ``rate(...)`` / ``cron(...)`` parsed like AWS, pure (no clock, no threads);
  ``PutRule`` rejects expressions AWS rejects (``ValidationException``).
- :mod:`.scheduler`: after :func:`start_schedules`, scheduled rules fire AWS's ``Scheduled
  Event`` to their targets on the virtual clock while they are ENABLED.
- :mod:`.models`: the emulator's state per account and region (a moto ``BackendDict``, which
  moto's own reset clears; the reset stops that account/region's schedules).
- :mod:`.responses`: the replaced moto methods, thin, and :data:`PATCHES` / :data:`INTERNALS`.

``TestEventPattern`` answers with moto's own pattern matcher.
"""

from __future__ import annotations

from typing import Final

from turnout_sandbox.emulators.events.errors import (
    EventsEmulatorError,
    TargetDeliveryError,
    TargetInputError,
)
from turnout_sandbox.emulators.events.models import delivered_log, forget_all
from turnout_sandbox.emulators.events.replay import REPLAY_START_DELAY, EmulatedReplay
from turnout_sandbox.emulators.events.responses import INTERNALS, PATCHES
from turnout_sandbox.emulators.events.schedule import (
    CronSchedule,
    RateSchedule,
    Schedule,
    ScheduleExpressionError,
    parse_schedule,
)
from turnout_sandbox.emulators.events.scheduler import (
    schedules_running,
    start_schedules,
    stop_schedules,
)
from turnout_sandbox.emulators.events.target_input import TargetInput, render_target_input
from turnout_sandbox.emulators.patchset import Installer

__all__ = [
    "INTERNALS",
    "PATCHES",
    "REPLAY_START_DELAY",
    "CronSchedule",
    "EmulatedReplay",
    "EventsEmulatorError",
    "RateSchedule",
    "Schedule",
    "ScheduleExpressionError",
    "TargetDeliveryError",
    "TargetInput",
    "TargetInputError",
    "delivered_log",
    "install",
    "parse_schedule",
    "render_target_input",
    "reset",
    "schedules_running",
    "start_schedules",
    "stop_schedules",
    "uninstall",
]


#: ``install()`` applies :data:`PATCHES` (idempotent; the sandbox applies the same objects
#: through :data:`turnout_sandbox.patches.REGISTRY`); ``uninstall()`` stops the schedules,
#: then undoes them: moto's own EventBridge behaviour again.
_INSTALLER: Final = Installer(PATCHES, stop=stop_schedules)
install: Final = _INSTALLER.install
uninstall: Final = _INSTALLER.uninstall


def reset() -> None:
    """Stop the schedules and forget every account/region's deliveries and rule creation
    times (moto keeps rules, targets, archives and replays)."""
    stop_schedules()
    forget_all()
