"""Bibliographic records and their holdings: physical copies with barcodes, digital files
and links, access levels, curriculum subjects and grades, imports (CSV, XLSX, MARC21)
and barcode labels. Filled by the catalog issue; owning library = ``libraries.Library``."""
