"""Writes of the catalog. Each module holds one area: ``codes`` (record codes and copy
barcodes), ``records`` (saving, withdrawing), and the import/export and label modules."""
