// nutgraf: read and star buttons without a reload. The site works without this file: each
// button is a form that posts and comes back. With it, a form.mark posts to the same address
// plus ".json" and the page follows the answer: the item's "is-read" class, the button's
// action and label, and the "Unread (N)" count in the navigation.
// Other scripts (keyboard shortcuts) call window.nutgrafMark(form) or click the buttons.
"use strict";
(function () {
  var LABELS = {read: "Mark read", unread: "Mark unread", star: "Star", unstar: "Unstar"};

  function setAction(form, action) {
    var button = form.querySelector("button");
    form.dataset.action = action;
    form.setAttribute("action", form.getAttribute("action").replace(/\/(read|unread|star|unstar)$/, "/" + action));
    if (button) {
      button.textContent = LABELS[action];
      button.setAttribute("aria-pressed", action === "unread" || action === "unstar" ? "true" : "false");
    }
  }

  function adjustCount(change) {
    document.querySelectorAll("[data-unread]").forEach(function (count) {
      var n = parseInt(count.textContent, 10);
      if (!isNaN(n)) { count.textContent = String(Math.max(0, n + change)); }
    });
  }

  function wasRead(id) {
    var form = document.querySelector('form.mark[action$="/articles/' + id + '/unread"]');
    return form !== null;
  }

  function follow(id, state, before) {
    if (before !== state.read) { adjustCount(state.read ? -1 : 1); }
    document.querySelectorAll('[data-article="' + id + '"]').forEach(function (item) {
      item.classList.toggle("is-read", state.read);
      item.classList.toggle("is-starred", state.starred);
    });
    document.querySelectorAll('form.mark[action^="/articles/' + id + '/"]').forEach(function (form) {
      var kind = /read$/.test(form.dataset.action) ? "read" : "star";
      if (kind === "read") { setAction(form, state.read ? "unread" : "read"); }
      else { setAction(form, state.starred ? "unstar" : "star"); }
    });
  }

  function mark(form) {
    var path = form.getAttribute("action") || "";
    var match = /^\/articles\/(\d+)\/(read|unread|star|unstar)$/.exec(path);
    if (!match) { return Promise.resolve(null); }
    var id = match[1];
    var before = wasRead(id);
    return fetch(path + ".json", {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (state) {
      follow(id, state, before);
      return state;
    });
  }

  window.nutgrafMark = mark;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("mark")) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    mark(form).then(function () {
      if (button) { button.focus(); }
    }).catch(function () {
      form.submit();  // the plain form still works: post it and come back
    });
  });
})();
