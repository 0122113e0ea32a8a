"""HTML views of the readiness app, one module per area (LEAs, assessments, results)."""
