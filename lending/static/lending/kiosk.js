/* The self-service kiosk (lending/views/kiosk.py). The page works without this script:
 * every scan is a form post. The script adds what a kiosk wants on top:
 * - the scan field keeps the focus, so a USB or Bluetooth scanner always types into it;
 * - a short tone for each answer (high: done, low: refused);
 * - the camera: getUserMedia, decoded by the browser's BarcodeDetector or else by the
 *   vendored jsQR (QR codes only), loaded the first time the camera opens;
 * - the return to the start screen when the reader walks away (the server ends the
 *   visit on its own too). */
(function () {
    "use strict";

    var body = document.body;
    var form = document.getElementById("kiosk-scan");
    var input = document.getElementById("kiosk-code");

    // --- The scan field keeps the focus ------------------------------------------------
    function focusInput() {
        if (input && document.activeElement !== input) input.focus({preventScroll: true});
    }
    if (input) {
        focusInput();
        document.addEventListener("click", function (event) {
            if (!event.target.closest("button, a, input, select, label, video")) focusInput();
        });
        // Back from the browser's page cache: an old code must not stay in the field. Not
        // on a first load, where it would wipe what a fast scanner is already typing.
        window.addEventListener("pageshow", function (event) {
            if (event.persisted) input.value = "";
            focusInput();
        });
    }
    if (form) {
        // Some scanners send Enter twice: post each scan once.
        var sent = false;
        form.addEventListener("submit", function (event) {
            if (sent) event.preventDefault();
            sent = true;
        });
    }

    // --- A short tone for the answer ---------------------------------------------------
    var outcome = document.querySelector("#kiosk-result [data-outcome]");
    if (outcome && outcome.dataset.outcome !== "info") window.lendingTone(outcome.dataset.outcome === "ok");

    // --- Back to the start screen when the reader walks away ---------------------------
    var finish = document.getElementById("kiosk-finish");
    var idleSeconds = parseInt(body.dataset.idleSeconds || "0", 10);
    if (body.dataset.reader && finish && idleSeconds > 0) {
        var warning = document.getElementById("kiosk-idle-warning");
        var warnFrom = Math.min(15, idleSeconds);
        var started = Date.now();
        var timer = window.setInterval(function () {
            var left = idleSeconds - Math.floor((Date.now() - started) / 1000);
            if (left <= 0) {
                window.clearInterval(timer);
                finish.submit();
            } else if (left <= warnFrom && warning) {
                warning.hidden = false;
                warning.textContent = warning.dataset.message.replace("{seconds}", String(left));
            }
        }, 1000);
    }

    // --- The camera ----------------------------------------------------------------------
    var openButton = document.getElementById("kiosk-camera-open");
    var closeButton = document.getElementById("kiosk-camera-close");
    var panel = document.getElementById("kiosk-camera");
    var video = document.getElementById("kiosk-video");
    var errorBox = document.getElementById("kiosk-camera-error");
    if (!openButton || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;

    // Cards carry a QR code; books carry a Code 128 label, which only BarcodeDetector reads.
    var wanted = openButton.dataset.formats === "items" ? ["code_128", "qr_code"] : ["qr_code"];
    var stream = null, scanning = false, detectorPromise = null;

    function nativeFormats() {
        if (!("BarcodeDetector" in window)) return Promise.resolve([]);
        return window.BarcodeDetector.getSupportedFormats().catch(function () { return []; });
    }

    function detector() {
        if (!detectorPromise) {
            detectorPromise = nativeFormats().then(function (supported) {
                if (supported.indexOf(wanted[0]) !== -1) {
                    var formats = wanted.filter(function (format) { return supported.indexOf(format) !== -1; });
                    var native = new window.BarcodeDetector({formats: formats});
                    return function (source) {
                        return native.detect(source).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
                    };
                }
                if (wanted[0] !== "qr_code") return null;  // jsQR reads QR codes only
                return loadJsQR().then(function (jsQR) {
                    var canvas = document.createElement("canvas"), context = canvas.getContext("2d", {willReadFrequently: true});
                    return function (source) {
                        canvas.width = source.videoWidth;
                        canvas.height = source.videoHeight;
                        if (!canvas.width || !canvas.height) return Promise.resolve(null);
                        context.drawImage(source, 0, 0, canvas.width, canvas.height);
                        var image = context.getImageData(0, 0, canvas.width, canvas.height);
                        var code = jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
                        return Promise.resolve(code ? code.data : null);
                    };
                });
            });
        }
        return detectorPromise;
    }

    function loadJsQR() {
        if (window.jsQR) return Promise.resolve(window.jsQR);
        return new Promise(function (resolve, reject) {
            var script = document.createElement("script");
            script.src = body.dataset.jsqr;
            script.onload = function () { window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR")); };
            script.onerror = reject;
            document.head.appendChild(script);
        });
    }

    function showError() {
        errorBox.textContent = errorBox.dataset.message;
        errorBox.hidden = false;
    }

    function stopCamera() {
        scanning = false;
        if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
        stream = null;
        panel.hidden = true;
        openButton.hidden = false;
        focusInput();
    }

    function scanFrames(decode) {
        if (!scanning) return;
        var next = function () { window.setTimeout(function () { scanFrames(decode); }, 150); };
        if (video.readyState < 2) { next(); return; }
        decode(video).then(function (text) {
            if (!scanning) return;
            if (text) {
                input.value = text;
                stopCamera();
                if (form.requestSubmit) form.requestSubmit(); else form.submit();
            } else {
                next();
            }
        }, next);
    }

    function openCamera() {
        errorBox.hidden = true;
        panel.hidden = false;
        openButton.hidden = true;
        Promise.all([
            detector(),
            navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
        ]).then(function (results) {
            stream = results[1];
            if (!results[0]) { stopCamera(); showError(); return undefined; }
            video.srcObject = stream;
            return video.play().then(function () {
                scanning = true;
                scanFrames(results[0]);
            });
        }).catch(function () {
            stopCamera();
            showError();
        });
    }

    // Offer the camera only where it can read what this step needs (jsQR, for cards, is
    // loaded when the camera opens, not with every page).
    nativeFormats().then(function (supported) {
        if (wanted[0] === "qr_code" || supported.indexOf(wanted[0]) !== -1) openButton.hidden = false;
    });
    openButton.addEventListener("click", openCamera);
    closeButton.addEventListener("click", stopCamera);
    window.addEventListener("pagehide", stopCamera);
})();
