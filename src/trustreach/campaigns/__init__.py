"""Campaigns in real time: attribution of orders, KPIs with their formulas, pacing and alerts.

Pure domain code (no store, no sessions): the services read the ledger and the
events and hand plain values in; every figure comes back with its formula, its
inputs, its freshness and its coverage. ROI means revenue: (revenue - cost) / cost.
"""
