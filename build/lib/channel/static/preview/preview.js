// Remote-control navigation: arrows move the focus between tiles, Enter opens the
// focused tile (it is a link), Escape or Backspace on a detail page goes back home.
(function () {
  "use strict";

  function rows() {
    return Array.from(document.querySelectorAll(".row")).map(function (row) {
      return Array.from(row.querySelectorAll(".tile"));
    }).filter(function (tiles) { return tiles.length > 0; });
  }

  function place(tile, grid) {
    for (var r = 0; r < grid.length; r++) {
      var c = grid[r].indexOf(tile);
      if (c >= 0) return [r, c];
    }
    return null;
  }

  function showInHero(tile) {
    var hero = document.querySelector(".hero");
    if (!hero || !tile) return;
    hero.querySelector(".hero-title").textContent = tile.dataset.title;
    hero.querySelector(".hero-text").textContent = tile.dataset.text;
    var meta = hero.querySelector(".hero-meta");
    meta.textContent = tile.dataset.meta;
    if (tile.dataset.live) {
      var badge = document.createElement("span");
      badge.className = "badge live";
      badge.textContent = "LIVE";
      meta.prepend(badge);
    }
  }

  function focusTile(tile) {
    tile.focus({ preventScroll: true });
    tile.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  var MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

  function onHomeKey(event) {
    var move = MOVES[event.key];
    if (!move) return;
    var grid = rows();
    if (grid.length === 0) return;
    event.preventDefault();
    var at = place(document.activeElement, grid);
    if (!at) { focusTile(grid[0][0]); return; }
    var r = Math.min(Math.max(at[0] + move[0], 0), grid.length - 1);
    var c = move[0] === 0 ? at[1] + move[1] : at[1];
    c = Math.min(Math.max(c, 0), grid[r].length - 1);
    focusTile(grid[r][c]);
  }

  function onDetailKey(event) {
    if (event.key !== "Escape" && event.key !== "Backspace") return;
    event.preventDefault();
    window.location.href = document.querySelector(".back").href;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".detail")) {
      document.addEventListener("keydown", onDetailKey);
      var video = document.querySelector(".detail video");
      if (video) video.focus();
      return;
    }
    document.addEventListener("keydown", onHomeKey);
    document.addEventListener("focusin", function (event) {
      if (event.target.classList && event.target.classList.contains("tile")) showInHero(event.target);
    });
    var grid = rows();
    if (grid.length) focusTile(grid[0][0]);
  });
})();
