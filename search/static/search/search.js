/* Online catalog: autocomplete (ARIA combobox with a listbox) on every search box, and
   facets applied in place on the results page, the new count announced through the
   aria-live status region. Without JavaScript both forms work as plain GET forms. */
(function () {
    "use strict";

    var DEBOUNCE_MS = 150;

    function setupCombobox(input) {
        var listbox = document.getElementById(input.getAttribute("aria-controls"));
        if (!listbox || input.dataset.comboboxReady) { return; }
        input.dataset.comboboxReady = "1";
        var url = input.dataset.autocompleteUrl;
        var timer = null;
        var active = -1;
        var controller = null;

        function options() { return listbox.querySelectorAll("[role=option]"); }

        function close() {
            listbox.hidden = true;
            listbox.innerHTML = "";
            input.setAttribute("aria-expanded", "false");
            input.removeAttribute("aria-activedescendant");
            active = -1;
        }

        function highlight(index) {
            var items = options();
            if (!items.length) { return; }
            active = (index + items.length) % items.length;
            items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
            input.setAttribute("aria-activedescendant", items[active].id);
            items[active].scrollIntoView({ block: "nearest" });
        }

        function choose(item) {
            input.value = item.textContent;
            close();
            if (input.form) { input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit(); }
        }

        function show(suggestions) {
            listbox.innerHTML = "";
            active = -1;
            input.removeAttribute("aria-activedescendant");
            if (!suggestions.length) { close(); return; }
            suggestions.forEach(function (text, i) {
                var item = document.createElement("li");
                item.id = input.id + "-option-" + i;
                item.setAttribute("role", "option");
                item.setAttribute("aria-selected", "false");
                item.textContent = text;
                item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(item); });
                listbox.appendChild(item);
            });
            listbox.hidden = false;
            input.setAttribute("aria-expanded", "true");
        }

        function fetchSuggestions() {
            var query = input.value.trim();
            if (query.length < 2) { close(); return; }
            var params = new URLSearchParams({ q: query });
            if (input.dataset.library) { params.set("thu-vien", input.dataset.library); }
            if (controller) { controller.abort(); }
            controller = new AbortController();
            fetch(url + "?" + params.toString(), { signal: controller.signal, headers: { Accept: "application/json" } })
                .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
                .then(function (data) { if (input.value.trim() === query) { show(data.suggestions || []); } })
                .catch(function () { /* aborted or offline: keep the plain search box */ });
        }

        input.addEventListener("input", function () {
            clearTimeout(timer);
            timer = setTimeout(fetchSuggestions, DEBOUNCE_MS);
        });
        input.addEventListener("keydown", function (event) {
            var open = !listbox.hidden;
            if (event.key === "ArrowDown") {
                event.preventDefault();
                if (open) { highlight(active + 1); } else { fetchSuggestions(); }
            } else if (event.key === "ArrowUp" && open) {
                event.preventDefault();
                highlight(active - 1);
            } else if (event.key === "Enter" && open && active >= 0) {
                event.preventDefault();
                choose(options()[active]);
            } else if (event.key === "Escape" && open) {
                event.preventDefault();
                close();
            }
        });
        input.addEventListener("blur", function () { setTimeout(close, 100); });
    }

    function setupFacets(form) {
        var live = document.getElementById("search-live");
        var main = document.getElementById("search-main");
        if (!live || !main) { return; }
        form.classList.add("js-facets");

        function load(url, focusId) {
            main.setAttribute("aria-busy", "true");
            return fetch(url, { headers: { "X-Requested-With": "fetch" } })
                .then(function (response) { return response.text(); })
                .then(function (text) {
                    var doc = new DOMParser().parseFromString(text, "text/html");
                    var fresh = doc.getElementById("search-main");
                    if (!fresh) { window.location.href = url; return; }
                    main.innerHTML = fresh.innerHTML;
                    main.dataset.summary = fresh.dataset.summary || "";
                    document.title = doc.title;
                    var heading = main.querySelector(".results__summary");
                    // Say what changed: the heading carries the count and the query.
                    live.textContent = heading ? heading.textContent.replace(/\s+/g, " ").trim() : main.dataset.summary;
                    var target = focusId && document.getElementById(focusId);
                    if (target) { target.focus(); }
                })
                .catch(function () { window.location.href = url; })
                .finally(function () { main.removeAttribute("aria-busy"); });
        }

        form.addEventListener("change", function (event) {
            var target = event.target;
            if (!target.closest(".facet")) { return; }
            var params = new URLSearchParams(new FormData(form));
            params.delete("page");
            var url = form.action + "?" + params.toString();
            history.pushState({ searchUrl: url }, "", url);
            load(url, target.id);
        });
        window.addEventListener("popstate", function () { load(window.location.href, null); });
    }

    function init() {
        document.querySelectorAll("input[role=combobox][data-autocomplete-url]").forEach(setupCombobox);
        var form = document.getElementById("search-form");
        if (form && window.fetch && window.DOMParser) { setupFacets(form); }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
})();
