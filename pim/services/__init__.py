"""Writes to the catalog: `catalog` (attributes, families, variants, association types),
`products` (products and product models) and `completeness`."""
