// The time left on a timed quiz attempt. No inline script (CSP): loaded with `defer` by the
// attempt page only, when the attempt has a deadline.
// - Counts down from the server's figure (the browser's clock may be set wrong) on a
//   monotonic clock, so sleeping tabs and clock changes do not skew it.
// - Screen readers hear the last five minutes and the last minute once each, not every tick.
// - At zero the answers are sent: the server still counts them within its grace, and grades
//   what it can read. Without JavaScript the deadline above the form says the same in words.
(function () {
  "use strict";

  var timer = document.querySelector("[data-quiz-timer]");
  if (!timer) return;
  var form = timer.closest("form");
  var clock = timer.querySelector("[data-timer-clock]");
  var announcer = timer.querySelector("[data-timer-announce]");
  var secondsAtLoad = Math.max(0, parseInt(timer.dataset.secondsLeft, 10) || 0);
  var endsAt = performance.now() + secondsAtLoad * 1000;
  var sent = false;
  var warnings = [
    { at: 300, text: timer.dataset.minutesLeft.replace("%(minutes)s", "5") },
    { at: 60, text: timer.dataset.minuteLeft },
  ].filter(function (warning) { return secondsAtLoad > warning.at; });

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function send() {
    sent = true;
    announcer.textContent = timer.dataset.timeUp;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function tick() {
    var left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    clock.textContent = format(left);
    timer.classList.toggle("is-urgent", left <= 60);
    while (warnings.length && left <= warnings[0].at) {
      announcer.textContent = warnings.shift().text;
    }
    if (left === 0) {
      if (!sent) send();
      return;
    }
    // Wake at the next whole second of the countdown.
    setTimeout(tick, ((endsAt - performance.now()) % 1000) + 20);
  }

  form.addEventListener("submit", function () { sent = true; });
  var loaded = document.querySelector("[data-timer-loaded]");
  if (loaded) loaded.hidden = true;
  timer.hidden = false;
  tick();
})();
