"""The field loop (检查结果回填): outcomes in, policy rules, replan.

* :mod:`planning.field.tables` — columns of the ``results`` and
  ``enterprise_history`` tables a project keeps.
* :mod:`planning.field.outcomes` — read and check a filled schedule.xlsx
  or results CSV; record it all or refuse it all.
* :mod:`planning.field.rules` — the policy's ``[field]`` rules turning
  outcomes into risk / credit changes and 复查 / revisit demands.
* :mod:`planning.field.replan` — repair the rest of the horizon from a
  date with as few changed visits as possible (CP-SAT).
* :mod:`planning.field.cycle` — the cycle measured: outcomes by type,
  follow-ups on time, 三色 transitions, per zone.
"""
