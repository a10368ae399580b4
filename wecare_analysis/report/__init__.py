"""Reporting layer: Italian labels and number formats, figures, tables, exports.

Only this layer knows about Italian labels, colours and file layouts.
"""
