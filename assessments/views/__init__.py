"""HTML views of the assessments app, one module per area (LEAs, assessments)."""
