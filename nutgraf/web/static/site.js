// nutgraf: the site works without this file. It only moves keyboard focus to a cited
// sentence when a summary link is followed, so screen readers land where the eye does.
"use strict";
function focusTarget() {
  var id = decodeURIComponent(location.hash.slice(1));
  var target = id && document.getElementById(id);
  if (target && target.classList.contains("cite")) { target.focus({preventScroll: false}); }
}
window.addEventListener("hashchange", focusTarget);
document.addEventListener("DOMContentLoaded", focusTarget);
