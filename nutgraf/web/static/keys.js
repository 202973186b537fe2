// nutgraf: keyboard shortcuts. The site works without this file; it only adds keys.
//
//   j / k      next / previous item of a list (an element with data-item): marks it current
//              and focuses its link (data-open); on an article page, the next / previous
//              article (the links with rel="next" / rel="prev")
//   o, Enter   open the current item
//   m / s      mark it read or unread / star or unstar it, through its
//              <form class="mark" data-action="read|unread|star|unstar">, posted to the
//              form's .json twin with the form's own fields (its csrf token among them)
//   /          focus the search box
//   ?          a dialog listing these keys (Escape closes it)
//
// No key is taken while typing in a field, nor with Ctrl, Alt or Meta held.
"use strict";
(function () {
  var KEYS = [
    ["j", "next item; on an article, the next article"],
    ["k", "previous item; on an article, the previous article"],
    ["o or Enter", "open the current item"],
    ["m", "mark the current item read or unread"],
    ["s", "star or unstar the current item"],
    ["/", "search"],
    ["?", "show these shortcuts"],
    ["Escape", "close this list"]
  ];
  var PAIRS = {read: "unread", unread: "read", star: "unstar", unstar: "star"};
  var LABELS = {read: "Mark read", unread: "Mark unread", star: "Star", unstar: "Unstar"};
  var DONE = {read: "Marked read.", unread: "Marked unread.", star: "Starred.", unstar: "Unstarred."};
  var current = null;
  var dialog = null;
  var opener = null;
  var status = null;
  var statusTimer = 0;

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("main [data-item]"));
  }

  function itemOf(element) {
    var item = element && element.closest ? element.closest("main [data-item]") : null;
    return item || null;
  }

  function isTyping(target) {
    return Boolean(target && target.closest &&
      target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  function mark(item) {
    if (current && current !== item) {
      current.classList.remove("is-current");
      current.removeAttribute("aria-current");
    }
    current = item;
    item.classList.add("is-current");
    item.setAttribute("aria-current", "true");
  }

  function openLink(item) {
    return item.querySelector("[data-open]") || item.querySelector("a[href]");
  }

  function move(step) {
    var list = items();
    if (!list.length) {
      var link = document.querySelector(".neighbours a[rel='" + (step > 0 ? "next" : "prev") + "']");
      if (!link) { return false; }
      link.click();
      return true;
    }
    var at = list.indexOf(itemOf(document.activeElement) || current);
    var to = at < 0 ? 0 : Math.min(list.length - 1, Math.max(0, at + step));
    var item = list[to];
    mark(item);
    item.scrollIntoView({block: "nearest"});
    var link = openLink(item);
    if (link) { link.focus({preventScroll: true}); }
    return true;
  }

  function open(fromEnter) {
    var active = document.activeElement;
    // Enter on a link, a button or a summary does what it always does.
    if (fromEnter && active && active !== document.body && active.tagName !== "MAIN") {
      return false;
    }
    var item = itemOf(active) || current;
    var link = item && openLink(item);
    if (!link) { return false; }
    link.click();
    return true;
  }

  function say(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "key-status";
      status.setAttribute("role", "status");
      (document.querySelector("main") || document.body).appendChild(status);
    }
    status.textContent = text;
    status.hidden = false;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(function () { status.hidden = true; status.textContent = ""; }, 5000);
  }

  function visible(form) {
    return !form.hidden && !form.closest("[hidden]");
  }

  // The item's form for one pair of actions (read/unread or star/unstar): on an article page,
  // any such form in the page that posts to this article.
  function markForm(item, pair, state) {
    var selector = "form.mark[data-action='" + pair[0] + "'], form.mark[data-action='" + pair[1] + "']";
    var forms = Array.prototype.slice.call(item.querySelectorAll(selector));
    var id = item.getAttribute("data-article");
    if (!forms.length && id && !item.hasAttribute("data-item")) {
      forms = Array.prototype.slice.call(document.querySelectorAll("main " + selector))
        .filter(function (form) {
          return new URL(form.action, location.href).pathname.indexOf("/articles/" + id + "/") === 0;
        });
    }
    var shown = forms.filter(visible);
    var wanted = item.classList.contains(state) ? pair[1] : pair[0];
    var fitting = shown.filter(function (form) { return form.getAttribute("data-action") === wanted; });
    return fitting[0] || shown[0] || null;
  }

  function answerError(data) {
    var error = data && data.error;
    if (!error) { return ""; }
    return typeof error === "string" ? error : String(error.message || "");
  }

  function applied(item, form, action, data) {
    var next = PAIRS[action];
    var reading = action === "read" || action === "unread";
    var field = reading ? "read" : "starred";
    var on = typeof data[field] === "boolean" ? data[field] : (action === "read" || action === "star");
    item.classList.toggle(reading ? "is-read" : "is-starred", on);
    var twin = Array.prototype.slice.call(form.parentNode.querySelectorAll("form.mark"))
      .filter(function (other) { return other.getAttribute("data-action") === next; })[0];
    if (twin) {
      form.hidden = true;
      twin.hidden = false;
    } else {
      var url = new URL(form.action, location.href);
      url.pathname = url.pathname.replace(/\/[a-z]+$/, "/" + next);
      form.setAttribute("action", url.pathname);
      form.setAttribute("data-action", next);
      var button = form.querySelector("button, input[type='submit']");
      if (button) {
        var label = button.getAttribute("data-label-" + next) ||
          (button.textContent.trim() === LABELS[action] ? LABELS[next] : null);
        if (label && button.tagName === "BUTTON") { button.textContent = label; }
        if (label && button.tagName === "INPUT") { button.value = label; }
      }
    }
    say(DONE[action]);
  }

  function submitMark(pair, state) {
    var item = itemOf(document.activeElement) || current ||
      document.querySelector("main article[data-article]");
    if (!item) { return false; }
    var form = markForm(item, pair, state);
    if (!form) {
      say("Sign in to mark articles.");
      return true;
    }
    var action = form.getAttribute("data-action");
    var url = new URL(form.action, location.href);
    if (url.origin !== location.origin || !PAIRS[action]) { return true; }
    if (typeof window.nutgrafMark === "function") {
      // The reading state's own script posts it and updates every copy of the item, its
      // buttons and the navigation's unread count.
      window.nutgrafMark(form).then(function () { say(DONE[action]); }, function () {
        say("The article could not be marked; reload the page and try again.");
      });
      return true;
    }
    if (!/\.json$/.test(url.pathname)) { url.pathname += ".json"; }
    fetch(url.href, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          say(answerError(data) || "The article could not be marked (" + response.status + ").");
          return;
        }
        applied(item, form, action, data);
      });
    }).catch(function () { say("The site could not be reached; try again."); });
    return true;
  }

  function focusSearch() {
    var box = document.getElementById("q");
    if (!box) { return false; }
    box.focus();
    box.select();
    return true;
  }

  function focusable() {
    return Array.prototype.slice.call(dialog.querySelectorAll("button, a[href]"));
  }

  function buildHelp() {
    dialog = document.createElement("dialog");
    dialog.className = "keys-help";
    dialog.setAttribute("aria-labelledby", "keys-help-title");
    var title = document.createElement("h2");
    title.id = "keys-help-title";
    title.textContent = "Keyboard shortcuts";
    var list = document.createElement("dl");
    KEYS.forEach(function (entry) {
      var term = document.createElement("dt");
      entry[0].split(" or ").forEach(function (key, n) {
        if (n) { term.appendChild(document.createTextNode(" or ")); }
        var kbd = document.createElement("kbd");
        kbd.textContent = key;
        term.appendChild(kbd);
      });
      var meaning = document.createElement("dd");
      meaning.textContent = entry[1];
      list.appendChild(term);
      list.appendChild(meaning);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(title);
    dialog.appendChild(list);
    dialog.appendChild(close);
    // Focus stays in the dialog (the page behind is inert) and goes back where it was.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") { return; }
      var inside = focusable();
      var first = inside[0];
      var last = inside[inside.length - 1];
      if (event.shiftKey ? document.activeElement === first : document.activeElement === last) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    });
    dialog.addEventListener("close", function () {
      if (opener && opener.isConnected && opener.focus) { opener.focus(); }
      opener = null;
    });
    document.body.appendChild(dialog);
  }

  function help() {
    if (!dialog) { buildHelp(); }
    if (dialog.open) { return; }
    opener = document.activeElement;
    dialog.showModal();
    focusable()[0].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) {
      return;
    }
    if ((dialog && dialog.open) || isTyping(event.target)) { return; }
    var done = false;
    switch (event.key) {
      case "j": done = move(1); break;
      case "k": done = move(-1); break;
      case "o": done = open(false); break;
      case "Enter": done = open(true); break;
      case "m": done = submitMark(["read", "unread"], "is-read"); break;
      case "s": done = submitMark(["star", "unstar"], "is-starred"); break;
      case "/": done = focusSearch(); break;
      case "?": help(); done = true; break;
      default: break;
    }
    if (done) { event.preventDefault(); }
  });

  // Tabbing or clicking into an item makes it the current one, so j and k go on from there.
  document.addEventListener("focusin", function (event) {
    var item = itemOf(event.target);
    if (item) { mark(item); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var foot = document.querySelector(".foot p");
    if (!foot) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "keys-button";
    button.textContent = "Keyboard shortcuts";
    button.setAttribute("aria-keyshortcuts", "?");
    button.addEventListener("click", help);
    foot.appendChild(document.createTextNode(" · "));
    foot.appendChild(button);
  });
}());
