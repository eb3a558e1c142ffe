"""Across many POA&Ms and over time: the portfolio roll-up, a POA&M's history, owner reminders.

Pure figures from validated workbooks (``validation.Report`` / batch results), no CLI:

- ``records``: one workbook as plain records (header, items with computed columns, milestones);
- ``rollup`` (figures), ``workbook`` and ``sqlite`` (writers): many files as one portfolio;
- ``history`` (figures from ``diff`` between consecutive versions), ``history_workbook``;
- ``remind`` (per-owner digests), ``calendar`` (iCalendar), ``contacts``, ``mail`` (SMTP).
"""
