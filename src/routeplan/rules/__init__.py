"""The legal and operational rules: the independent compliance checker, the calendar, reasons."""
