"""Programme reports: what the programme is judged by, read from every other app.

Dashboards (the admin home of a librarian and of an officer), the digital-coverage index,
quarterly reports and open statistics. ``reports`` is the top layer: it reads the other
apps through their selectors and no app imports it."""
