// The "Print" button of the overdue list: the browser's print dialog (print stylesheet
// reports/home/overdue.css keeps only the lists, one class per sheet).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
