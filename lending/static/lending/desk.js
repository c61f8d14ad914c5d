// The circulation desk without page reloads: each form is posted with fetch and the
// answer (JSON) updates the result, the mode buttons, the label and the reader's panel.
// Scans are sent one after another, in the order they were made, so a fast scanner
// never reorders them. Without JavaScript the same forms post and redirect as usual.
(function () {
    "use strict";
    var desk = document.getElementById("desk");
    var input = document.getElementById("desk-code");
    if (!desk || !input || !window.fetch) return;
    var queue = Promise.resolve();

    function show(answer) {
        var result = document.getElementById("desk-result");
        result.textContent = "";
        if (answer.message) {
            var line = document.createElement("p");
            line.className = "desk-result " + (answer.ok ? "desk-result--ok" : "desk-result--error");
            line.dataset.ok = answer.ok ? "1" : "0";
            line.textContent = answer.message;
            result.appendChild(line);
            window.lendingTone(answer.ok);
        }
        desk.querySelectorAll(".desk-modes button").forEach(function (button) {
            button.setAttribute("aria-pressed", String(button.value === answer.mode));
        });
        var label = answer.mode === "return" ? "labelReturn" : (answer.member ? "labelLend" : "labelCard");
        document.getElementById("desk-code-label").textContent = desk.dataset[label];
        document.getElementById("desk-panel").innerHTML = answer.panel;
    }

    desk.addEventListener("submit", function (event) {
        var form = event.target;
        if (!form.matches("form[method=post]")) return;
        event.preventDefault();
        var data = new FormData(form);
        if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
        if (form.id === "desk-scan") input.value = "";
        input.focus();
        queue = queue.then(function () {
            return fetch(window.location.href, {
                method: "POST", body: data, credentials: "same-origin", headers: {"Accept": "application/json"}
            }).then(function (response) {
                if (!response.ok) throw new Error(response.status);
                return response.json();
            }).then(show).catch(function () { window.location.reload(); });
        });
    });
    input.focus();
    var first = document.querySelector("#desk-result [data-ok]");
    if (first) window.lendingTone(first.dataset.ok === "1");
    document.addEventListener("click", function (event) { if (!event.target.closest("button, a, input, select")) input.focus(); });
})();
