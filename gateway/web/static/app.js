/* conda badges pages: live search, badge options, copy buttons and the private-channel token.
 *
 * The token lives in sessionStorage (this tab only) and is sent as `Authorization: Bearer`
 * with fetch(); it never goes into the page's own URL. Without JavaScript the pages still
 * work for public channels (plain forms and links). */
(function () {
  "use strict";

  var KEY = "conda-badges-token";
  var root = document.documentElement;
  root.classList.add("js");

  var store = {
    get: function () {
      try { return window.sessionStorage.getItem(KEY); } catch (e) { return null; }
    },
    set: function (token) {
      try { window.sessionStorage.setItem(KEY, token); } catch (e) { /* private mode */ }
      memory = token;
    },
    clear: function () {
      try { window.sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
      memory = null;
    }
  };
  var memory = store.get();

  function token() { return memory; }

  function headers(accept, extra) {
    var h = Object.assign({ Accept: accept || "text/html" }, extra || {});
    if (token()) { h.Authorization = "Bearer " + token(); }
    return h;
  }

  function get(url, accept, extra) {
    return fetch(url, {
      headers: headers(accept, extra), credentials: "same-origin", cache: "no-store"
    });
  }

  function $(selector, scope) { return (scope || document).querySelector(selector); }
  function $all(selector, scope) {
    return Array.prototype.slice.call((scope || document).querySelectorAll(selector));
  }

  function announce(message) {
    var region = $("#announcer");
    if (!region) { return; }
    region.textContent = "";
    window.setTimeout(function () { region.textContent = message; }, 30);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, ms);
    };
  }

  /* The latest request made for each target: an older answer that arrives later is dropped. */
  var latest = new WeakMap();

  /* Load an HTML fragment into `target`; 4xx/5xx fragments (error notices) are shown too. */
  function loadFragment(url, target, extra) {
    var ticket = (latest.get(target) || 0) + 1;
    latest.set(target, ticket);
    target.setAttribute("aria-busy", "true");
    return get(url, "text/html", extra).then(function (response) {
      return response.text().then(function (html) {
        if (latest.get(target) !== ticket) { return response.ok; }  // superseded
        target.innerHTML = html;
        target.removeAttribute("aria-busy");
        hydrate(target);
        var heading = $("[data-announce]", target);
        if (heading) { announce(heading.textContent.trim()); }
        return response.ok;
      });
    }).catch(function () {
      if (latest.get(target) !== ticket) { return false; }
      target.removeAttribute("aria-busy");
      announce("The server could not be reached.");
      return false;
    });
  }

  /* ---------- badge previews and SBOM downloads that need the token ---------- */

  function hydrate(scope) {
    $all("img[data-auth-src]", scope).forEach(function (img) {
      get(img.getAttribute("data-auth-src"), "image/svg+xml").then(function (response) {
        return response.blob();
      }).then(function (blob) {
        var reader = new FileReader();
        reader.onload = function () { img.src = reader.result; };
        reader.readAsDataURL(blob);
      }).catch(function () { /* the alt text stays */ });
    });
  }

  function downloadWithToken(link) {
    get(link.getAttribute("href"), "application/json").then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = document.createElement("a");
      a.href = url;
      a.download = link.getAttribute("download") || "sbom.json";
      a.hidden = true;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      announce("Download started: " + a.download);
    }).catch(function (error) {
      announce("The SBOM could not be downloaded (" + error.message + ").");
    });
  }

  /* ---------- copy buttons ---------- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      area.remove();
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  function onCopy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent;
    var label = button.firstChild;
    copyText(text).then(function () {
      label.textContent = "Copied";
      button.classList.add("is-done");
      announce("Copied to the clipboard.");
      window.setTimeout(function () {
        label.textContent = "Copy";
        button.classList.remove("is-done");
      }, 2000);
    }, function () {
      if (source.tagName === "INPUT") { source.select(); }
      announce("Copying failed; select the text and copy it yourself.");
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var button = target && target.closest("[data-copy]");
    if (button) { onCopy(button); return; }
    var download = target && target.closest("a[data-auth-download]");
    if (download && token()) {
      event.preventDefault();
      downloadWithToken(download);
      return;
    }
    var pageLink = target && target.closest("a[data-page]");
    if (pageLink && search.form) {
      event.preventDefault();
      var query = new URL(pageLink.href).search;
      search.run(query);
    }
  });

  /* ---------- search page ---------- */

  var search = {
    form: $("#search-form"),
    results: $("#results"),
    query: function () {
      var data = new FormData(search.form);
      var params = new URLSearchParams();
      params.set("channel", data.get("channel") || "");
      var q = (data.get("q") || "").trim();
      if (q) { params.set("q", q); }
      return "?" + params.toString();
    },
    run: function (query) {
      query = query || search.query();
      window.history.replaceState(null, "", search.form.getAttribute("action") + query);
      return loadFragment(search.form.getAttribute("data-fragment") + query, search.results);
    }
  };

  if (search.form) {
    var live = debounce(function () { search.run(); }, 250);
    $("#q").addEventListener("input", live);
    $("#channel").addEventListener("change", function () { search.run(); });
    search.form.addEventListener("submit", function (event) {
      event.preventDefault();
      search.run();
    });
  }

  function addChannels(channels) {
    var select = $("#channel");
    if (!select) { return; }
    channels.forEach(function (channel) {
      var existing = $all("option", select).filter(function (o) { return o.value === channel.name; });
      if (existing.length) { return; }
      var option = document.createElement("option");
      option.value = channel.name;
      option.textContent = channel.name + (channel.private ? " (private)" : "");
      select.appendChild(option);
    });
  }

  /* ---------- package page ---------- */

  function bindBadgeOptions() {
    var form = $("#badge-options");
    if (!form || form.getAttribute("data-bound")) { return; }
    form.setAttribute("data-bound", "true");
    var list = $("#badge-list");
    function update() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (value && !(name === "style" && value === "flat")) { params.set(name, value); }
      });
      var query = params.toString() ? "?" + params.toString() : "";
      window.history.replaceState(null, "", window.location.pathname + query + "#badges");
      var readme = $("#snippet-token");
      var extra = readme && readme.value.trim() ? { "X-Snippet-Token": readme.value.trim() } : null;
      loadFragment(form.getAttribute("data-fragment") + query, list, extra).then(function (ok) {
        if (ok) { announce("Badge previews and snippets updated."); }
      });
    }
    form.addEventListener("input", debounce(update, 300));
    form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
  }

  /* The CVEs section's filters: fetch the filtered list (with the token, if any). */
  function bindCveFilters() {
    var form = $("#cve-filters");
    if (!form || form.getAttribute("data-bound")) { return; }
    form.setAttribute("data-bound", "true");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = new URLSearchParams(window.location.search);
      new FormData(form).forEach(function (value, name) {
        if (value) { params.set(name, value); } else { params.delete(name); }
      });
      var query = params.toString() ? "?" + params.toString() : "";
      window.history.replaceState(null, "", window.location.pathname + query + "#cves");
      loadFragment(form.getAttribute("data-fragment") + query, $("#cve-list")).then(function (ok) {
        if (ok) { announce("CVE list updated."); }
      });
    });
  }

  /* The package may be in a private channel: reload it with the token. */
  function reloadPackage() {
    var holder = $("#package");
    if (!holder) { return Promise.resolve(); }
    var retry = holder.getAttribute("data-retry");
    var form = $("#badge-options");
    var url = retry || (form && form.getAttribute("data-fragment").replace("/ui/fragments/badges/", "/ui/fragments/package/"));
    if (!url) { return Promise.resolve(); }
    if (!retry && form) { url += window.location.search; }
    return loadFragment(url, holder).then(function (ok) {
      if (!ok) { return; }
      holder.removeAttribute("data-retry");
      var article = $("article[data-title]", holder);
      if (article) { document.title = article.getAttribute("data-title"); }
      bindBadgeOptions();
      bindCveFilters();
      if (retry) {
        var heading = $("h1", holder);
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
        announce("Package loaded with your token.");
      }
    });
  }

  /* ---------- the token ---------- */

  var panel = $("#token-panel");
  var status = $("#token-status");
  var forget = $("#token-forget");
  var stateLabel = $("#token-state");

  function setStatus(message, kind) {
    status.textContent = message;
    status.className = "token-status" + (kind ? " is-" + kind : "");
  }

  function showActive(active, names) {
    forget.hidden = !active;
    stateLabel.textContent = active ? "(token in use" + (names ? ": " + names : "") + ")" : "";
  }

  /* Ask the API which channels the token opens; resolves to the private ones or rejects. */
  function checkToken(candidate) {
    return fetch("/api/channels", {
      headers: { Accept: "application/json", Authorization: "Bearer " + candidate },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var message = (body.error && body.error.message) || ("HTTP " + response.status);
          throw new Error(message);
        }
        return body.items || [];
      });
    });
  }

  function applyToken(channels) {
    var privateOnes = channels.filter(function (c) { return c.private; });
    var names = privateOnes.map(function (c) { return c.name; }).join(", ");
    addChannels(privateOnes);
    showActive(true, names);
    var refresh = [];
    if (search.form) { refresh.push(search.run()); }
    refresh.push(reloadPackage());
    return Promise.all(refresh).then(function () { return names; });
  }

  if (panel) {
    panel.hidden = false;
    $("#token-form").addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("#token-input");
      var candidate = input.value.trim();
      if (!candidate) {
        setStatus("Enter a token first.", "error");
        input.focus();
        return;
      }
      setStatus("Checking the token…");
      checkToken(candidate).then(function (channels) {
        store.set(candidate);
        input.value = "";
        return applyToken(channels).then(function (names) {
          setStatus(names ? "Token accepted. Private channels: " + names + "." :
            "Token accepted, but it opens no private channel.", "ok");
        });
      }).catch(function (error) {
        setStatus("Token not accepted: " + error.message, "error");
        input.focus();
      });
    });
    forget.addEventListener("click", function () {
      store.clear();
      window.location.reload();
    });
    if (token()) {
      checkToken(token()).then(applyToken).catch(function (error) {
        store.clear();
        showActive(false);
        setStatus("The saved token no longer works (" + error.message + "); it was forgotten.", "error");
      });
    }
  }

  bindBadgeOptions();
  bindCveFilters();
  hydrate(document);
}());

// the environments page: filter the report table as you type
document.addEventListener("input", (event) => {
  const input = event.target.closest("[data-env-filter]");
  if (!input) return;
  const needle = input.value.trim().toLowerCase();
  document.querySelectorAll(input.dataset.envFilter + " tbody tr").forEach((row) => {
    row.hidden = needle !== "" && !row.dataset.search.toLowerCase().includes(needle);
  });
});
