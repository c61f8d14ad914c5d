// The short tone of the desk and the kiosk: high when a scan went through, low when it
// was refused. Drawn with Web Audio: no sound files, nothing fetched.
window.lendingTone = function (ok) {
    "use strict";
    if (!window.AudioContext) return;
    try {
        var context = new AudioContext(), oscillator = context.createOscillator(), gain = context.createGain();
        oscillator.frequency.value = ok ? 880 : 220;
        gain.gain.value = 0.1;
        oscillator.connect(gain).connect(context.destination);
        oscillator.start();
        oscillator.stop(context.currentTime + 0.15);
    } catch (error) { /* sound is a bonus */ }
};
