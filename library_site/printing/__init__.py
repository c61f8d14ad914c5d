"""The printing toolkit: what every printed thing of the site is drawn with.

Copy labels (``catalog.labels``), reader cards and activation slips
(``lending.card_render``), the personal-data export PDF (``lending.data_export``), and
the reports and certificates to come, build on these app-neutral modules:

- ``fonts``: the bundled Be Vietnam Pro font (files, Pillow fonts, line heights);
- ``units``: millimetres and points to pixels, the A4 page;
- ``text``: fitting and wrapping text into a width, with an ellipsis when it does not fit;
- ``barcodes``: Code 128 barcodes and QR codes drawn on whole pixels;
- ``images``: placing pictures (photos, logos) on a white ground, cropped to a box;
- ``sheets``: pieces (cards, slips, labels) in a grid on a page, and cut marks;
- ``png``: a fast PNG encoder for flat graphics;
- ``pdf``: PDFs of page images (a streaming writer with JPEG photos; bilevel pages);
- ``text_pdf``: text-only PDFs with the font embedded (searchable, copyable text).

Import rule: this package sits below every app. It imports Django, Pillow and the
barcode libraries only, never ``catalog``, ``lending``, ``search`` or
``community_courses``; what a label or a card looks like stays in its app."""
