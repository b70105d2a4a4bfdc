// The lecture player. No inline script (CSP): loaded with `defer` by the player only.
// - A video that cannot be loaded (missing, damaged, a format the browser cannot play) shows
//   a visible message with a way on, instead of a player that spins or stays blank.
// - After "Mark as complete" (an htmx swap), focus stays on the next useful control: htmx
//   focuses the element the server marked `autofocus`; this makes sure it has focus once
//   every part of the response is in place, and that it is on screen.
(function () {
  "use strict";

  function showVideoError(video) {
    var frame = video.closest("[data-video]");
    var message = frame && frame.querySelector("[data-video-error]");
    if (!message || !message.hidden) return;
    message.hidden = false;
    video.classList.add("is-broken");
  }

  function watchVideo(video) {
    video.addEventListener("error", function () { showVideoError(video); });
    // The error may have fired before this deferred script ran.
    if (video.error || video.networkState === HTMLMediaElement.NETWORK_NO_SOURCE) {
      showVideoError(video);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("video[data-video-player]"), watchVideo);

  document.body.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("#lecture-complete [autofocus], #lecture-nav [autofocus]");
    if (!target) return;
    if (document.activeElement !== target) target.focus({ preventScroll: true });
    if (target.scrollIntoView) target.scrollIntoView({ block: "nearest" });
  });
})();
