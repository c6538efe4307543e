/* The KPI tree page: draws the selected tree, motion, grain and period from the JSON in
   #kpi-data. Text goes in with textContent / setAttribute only, never as markup. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("kpi-data").textContent);
  var SVG = DATA.svg_namespace;
  var GRAINS = ["week", "month", "quarter"];
  var WIDE = { w: 192, h: 136, colGap: 40, rowGap: 12 };
  var NARROW = { h: 120, indent: 22, rowGap: 8, minWidth: 200 };
  var SPARK_PERIODS = 8;
  var FORECAST_H = 20; // a card's extra height in a period with forecasts
  var state = {};
  var extraHeight = 0;
  var pinned = null;

  // ------------------------------------------------------------------ helpers

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    return node;
  }

  function fixed(value, decimals) {
    return new Intl.NumberFormat("en-US", {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals
    }).format(value);
  }

  function formatValue(value, unit) {
    if (value === null || value === undefined) return "n/a";
    if (unit === "usd") {
      var decimals = Math.abs(value) < 10 && !Number.isInteger(value) ? 2 : 0;
      return (value < 0 ? "-" : "") + "$" + fixed(Math.abs(value), decimals);
    }
    if (unit === "count") return fixed(value, 0); // counts as counts (formatting.py)
    if (unit === "ratio") return (value * 100).toFixed(1) + "%";
    if (unit === "hours") return fixed(value, 1) + " h";
    if (unit === "multiple") return fixed(value, Math.abs(value) < 1 ? 2 : 1) + "x";
    return String(Number(value.toPrecision(4)));
  }

  function signedPct(value) { // as formatting.format_signed_pct: 0.0% without a sign
    if (value === null || value === undefined) return "n/a";
    var text = (value * 100).toFixed(1);
    if (text === "0.0" || text === "-0.0") return "0.0%";
    return (value > 0 ? "+" : "") + text + "%";
  }

  function signedValue(value, unit) {
    if (value === null || value === undefined) return "n/a";
    return (value < 0 ? "-" : "+") + formatValue(Math.abs(value), unit);
  }

  function trendText(trend, change) { // as formatting.trend_text
    if (!trend) return "n/a";
    if (change !== null && change !== undefined) return trend + " " + signedPct(change);
    return trend === "flat" ? trend : trend + " (new)";
  }

  function share(value) {
    return value === null || value === undefined ? "n/a" : (value * 100).toFixed(1) + "%";
  }

  function ruleValue(rule, value, unit) {
    if (value === null || value === undefined) return "n/a";
    if (rule === "pct_behind_target") return (value * 100).toFixed(1) + "% behind";
    if (rule === "consecutive_declines") return value.toFixed(0) + " periods worse in a row";
    if (rule === "likely_miss") return (value * 100).toFixed(0) + "% likely to reach target";
    return formatValue(value, unit);
  }

  function periodName(grain, start) {
    if (grain === "month") return start.slice(0, 7);
    if (grain === "quarter") return start.slice(0, 4) + " Q" + (Math.floor((+start.slice(5, 7) - 1) / 3) + 1);
    return "week of " + start;
  }

  function treeById(id) {
    return DATA.trees.filter(function (tree) { return tree.tree_id === id; })[0];
  }

  function seriesKey(s) { return s.tree + "|" + s.motion + "|" + s.grain; }

  function currentSeries() { return DATA.series[seriesKey(state)]; }

  // ------------------------------------------------------------------ the selection

  function readHash() {
    var wanted = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var pair = part.split("=");
      if (pair.length === 2) wanted[decodeURIComponent(pair[0])] = decodeURIComponent(pair[1]);
    });
    return wanted;
  }

  function writeHash() {
    var hash = "#" + ["tree", "motion", "grain", "period"].map(function (name) {
      return name + "=" + encodeURIComponent(state[name]);
    }).join("&");
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  function settle(wanted) {
    var tree = treeById(wanted.tree) || treeById(DATA.initial.tree) || DATA.trees[0];
    state.tree = tree.tree_id;
    state.motion = tree.scope.indexOf(wanted.motion) >= 0 ? wanted.motion : tree.scope[0];
    var grains = GRAINS.filter(function (grain) {
      return DATA.series[state.tree + "|" + state.motion + "|" + grain];
    });
    state.grain = grains.indexOf(wanted.grain) >= 0 ? wanted.grain : grains[0];
    var series = currentSeries();
    if (!series) { state.period = null; return; }
    if (series.periods.indexOf(wanted.period) >= 0) {
      state.period = wanted.period;
    } else {
      var complete = series.periods.filter(function (_, i) { return series.states[i] === "complete"; });
      state.period = complete.length ? complete[complete.length - 1] : series.periods[series.periods.length - 1];
    }
  }

  function fillSelect(id, options, value) {
    var select = document.getElementById(id);
    select.textContent = "";
    options.forEach(function (option) {
      var node = el("option", { value: option.value }, option.text);
      if (option.value === value) node.selected = true;
      select.appendChild(node);
    });
  }

  function fillSwitches() {
    var tree = treeById(state.tree);
    fillSelect("pick-tree", DATA.trees.map(function (t) {
      return { value: t.tree_id, text: t.label + " (" + t.tree_id + ")" };
    }), state.tree);
    fillSelect("pick-motion", tree.scope.map(function (m) { return { value: m, text: m }; }), state.motion);
    fillSelect("pick-grain", GRAINS.filter(function (grain) {
      return DATA.series[state.tree + "|" + state.motion + "|" + grain];
    }).map(function (g) { return { value: g, text: g }; }), state.grain);
    var series = currentSeries();
    fillSelect("pick-period", (series ? series.periods : []).map(function (start, i) {
      var note = series.states[i] === "complete" ? "" : " (" + series.states[i].replace("_", " ") + ")";
      return { value: start, text: periodName(state.grain, start) + note };
    }).reverse(), state.period);
  }

  // ------------------------------------------------------------------ the tree

  function childOrder(a, b) {
    var ra = a.role === "driver" ? 0 : 1, rb = b.role === "driver" ? 0 : 1;
    if (ra !== rb) return ra - rb;
    return a.node_id < b.node_id ? -1 : a.node_id > b.node_id ? 1 : 0;
  }

  function buildTree(tree) {
    var byId = {};
    tree.nodes.forEach(function (node) { byId[node.node_id] = { def: node, children: [] }; });
    tree.nodes.forEach(function (node) {
      if (node.parent_node_id && byId[node.parent_node_id]) {
        byId[node.parent_node_id].children.push(byId[node.node_id]);
      }
    });
    Object.keys(byId).forEach(function (id) {
      byId[id].children.sort(function (a, b) { return childOrder(a.def, b.def); });
    });
    return { root: byId[tree.root_node_id], byId: byId };
  }

  function walk(item, depth, visit) {
    visit(item, depth);
    item.children.forEach(function (child) { walk(child, depth + 1, visit); });
  }

  /* Wide: left to right, a node centred on its children, each subtree pushed up against
     the ones before it as far as its columns allow (per column, the subtrees' extents never
     meet: Reingold-Tilford contours). Narrow: an indented list, one row per node. */
  function placeSubtree(item, depth) {
    if (!item.children.length) {
      var leaf = {};
      leaf[depth] = [0, WIDE.h + extraHeight];
      var own = {};
      own[item.def.node_id] = 0;
      return { top: leaf, ys: own };
    }
    var contour = {}, ys = {}, childYs = [];
    item.children.forEach(function (child) {
      var placed = placeSubtree(child, depth + 1);
      var offset = -Infinity;
      Object.keys(placed.top).forEach(function (d) {
        if (contour[d]) offset = Math.max(offset, contour[d][1] + WIDE.rowGap - placed.top[d][0]);
      });
      if (offset === -Infinity) offset = 0;
      Object.keys(placed.top).forEach(function (d) {
        var span = [placed.top[d][0] + offset, placed.top[d][1] + offset];
        contour[d] = contour[d] ? [Math.min(contour[d][0], span[0]), Math.max(contour[d][1], span[1])] : span;
      });
      Object.keys(placed.ys).forEach(function (id) { ys[id] = placed.ys[id] + offset; });
      childYs.push(ys[child.def.node_id]);
    });
    var y = (childYs[0] + childYs[childYs.length - 1]) / 2;
    ys[item.def.node_id] = y;
    contour[depth] = [y, y + WIDE.h + extraHeight];
    return { top: contour, ys: ys };
  }

  function layout(tree, width) {
    var boxes = {};
    var maxDepth = 0;
    walk(tree.root, 0, function (_, depth) { maxDepth = Math.max(maxDepth, depth); });
    if (width >= 720) {
      var placed = placeSubtree(tree.root, 0);
      var top = Infinity, bottom = -Infinity;
      Object.keys(placed.ys).forEach(function (id) {
        top = Math.min(top, placed.ys[id]);
        bottom = Math.max(bottom, placed.ys[id] + WIDE.h + extraHeight);
      });
      walk(tree.root, 0, function (item, depth) {
        boxes[item.def.node_id] = {
          x: depth * (WIDE.w + WIDE.colGap), y: placed.ys[item.def.node_id] - top,
          w: WIDE.w, h: WIDE.h + extraHeight, depth: depth
        };
      });
      return { mode: "wide", boxes: boxes, width: (maxDepth + 1) * WIDE.w + maxDepth * WIDE.colGap, height: bottom - top };
    }
    var index = 0;
    walk(tree.root, 0, function (item, depth) {
      var x = depth * NARROW.indent;
      boxes[item.def.node_id] = {
        x: x, y: index * (NARROW.h + extraHeight + NARROW.rowGap), w: Math.max(NARROW.minWidth, width - x),
        h: NARROW.h + extraHeight, depth: depth
      };
      index += 1;
    });
    var right = 0;
    Object.keys(boxes).forEach(function (id) { right = Math.max(right, boxes[id].x + boxes[id].w); });
    return { mode: "narrow", boxes: boxes, width: right, height: index * (NARROW.h + extraHeight + NARROW.rowGap) - NARROW.rowGap };
  }

  function lookFirst() {
    return DATA.where_to_look_first[seriesKey(state) + "|" + state.period] || [];
  }

  function pathTo(tree, nodeId) {
    var path = {};
    var item = tree.byId[nodeId];
    while (item) {
      path[item.def.node_id] = true;
      item = item.def.parent_node_id ? tree.byId[item.def.parent_node_id] : null;
    }
    return path;
  }

  function drawLinks(tree, placed, onPath) {
    var layer = svg("svg", { "class": "links", width: placed.width, height: placed.height });
    var badges = [];
    walk(tree.root, 0, function (item) {
      if (!item.children.length) return;
      var p = placed.boxes[item.def.node_id];
      var drivers = item.children.filter(function (c) { return c.def.role === "driver"; });
      var bus = placed.mode === "wide" ? p.x + p.w + WIDE.colGap / 2 : p.x + 11;
      var startY = placed.mode === "wide" ? p.y + p.h / 2 : p.y + p.h;
      item.children.slice().reverse().forEach(function (child) {
        var c = placed.boxes[child.def.node_id];
        var cy = c.y + c.h / 2;
        var d = placed.mode === "wide"
          ? "M" + (p.x + p.w) + "," + startY + " H" + bus + " V" + cy + " H" + c.x
          : "M" + bus + "," + startY + " V" + cy + " H" + c.x;
        var classes = [child.def.role === "diagnostic" ? "diagnostic" : "driver"];
        if (onPath[child.def.node_id] && onPath[item.def.node_id]) classes.push("look");
        layer.appendChild(svg("path", {
          d: d, "class": classes.join(" "), "data-from": item.def.node_id, "data-to": child.def.node_id
        }));
      });
      var op = item.def.combine === "sum" ? "+" : "\u00d7";
      for (var i = 0; i + 1 < drivers.length; i += 1) {
        var a = placed.boxes[drivers[i].def.node_id], b = placed.boxes[drivers[i + 1].def.node_id];
        badges.push({ x: bus, y: (a.y + a.h / 2 + b.y + b.h / 2) / 2, op: op, parent: item.def.node_id });
      }
    });
    badges.forEach(function (badge) {
      var group = svg("g", { "class": "op", "data-parent": badge.parent });
      group.appendChild(svg("circle", { cx: badge.x, cy: badge.y, r: 9 }));
      var text = svg("text", { x: badge.x, y: badge.y });
      text.textContent = badge.op;
      group.appendChild(text);
      layer.appendChild(group);
    });
    return layer;
  }

  function valueAt(values, name, index) {
    var column = values && values[name];
    return column ? column[index] : null;
  }

  function sparkline(values, index, unit) {
    var from = Math.max(0, index - SPARK_PERIODS + 1);
    var actual = [], target = [];
    for (var i = from; i <= index; i += 1) {
      actual.push(valueAt(values, "actual", i));
      target.push(valueAt(values, "target", i));
    }
    var low = valueAt(values, "benchmark_low", index), high = valueAt(values, "benchmark_high", index);
    var known = actual.concat(target).filter(function (v) { return v !== null && v !== undefined; });
    var box = svg("svg", { "class": "spark", viewBox: "0 0 100 26", preserveAspectRatio: "none",
      role: "img", "aria-label": "recent periods" + (low !== null && low !== undefined ? ", with the benchmark band" : "") });
    if (!known.length) return box;
    var bandLow = low !== null && low !== undefined ? low : null;
    var bandHigh = high !== null && high !== undefined ? high : null;
    var domain = known.slice();
    if (bandLow !== null) domain.push(bandLow);
    if (bandHigh !== null) domain.push(bandHigh);
    var min = Math.min.apply(null, domain), max = Math.max.apply(null, domain);
    if (max === min) { max += Math.abs(max) * 0.1 || 1; min -= Math.abs(min) * 0.1 || 1; }
    var y = function (v) { return 24 - 22 * (v - min) / (max - min); };
    var x = function (i) { return actual.length === 1 ? 50 : 4 + 92 * i / (actual.length - 1); };
    if (bandLow !== null) {
      var top = bandHigh !== null ? y(bandHigh) : 0;
      box.appendChild(svg("rect", { "class": "band", x: 0, y: top, width: 100, height: Math.max(1, y(bandLow) - top) }));
    }
    var line = function (series, cls) {
      var d = "";
      series.forEach(function (v, i) {
        if (v === null || v === undefined) return;
        d += (d && series[i - 1] !== null && series[i - 1] !== undefined ? " L" : " M") + x(i).toFixed(1) + "," + y(v).toFixed(1);
      });
      if (d) box.appendChild(svg("path", { "class": cls, d: d.trim(), "vector-effect": "non-scaling-stroke" }));
    };
    line(target, "target-line");
    line(actual, "line");
    var last = actual[actual.length - 1];
    if (last !== null && last !== undefined) {
      box.appendChild(svg("circle", { "class": "dot", cx: x(actual.length - 1), cy: y(last), r: 2.4,
        "data-status": valueAt(values, "status", index) || "no_data" }));
    }
    return box;
  }

  // the open period's forecasts by node (render_html.forecast_documents), none for a closed one
  function forecasts() {
    return (DATA.forecasts || {})[seriesKey(state) + "|" + state.period] || {};
  }

  function known(v) { return v !== null && v !== undefined; }

  /* The forecast on a card: a bar over the range of the interval, the point and the target:
     the 80% interval as a band, the point as a dark tick, the target as a red one; the
     numbers in data-* attributes, the sentence in the title. */
  function forecastBar(forecast, target) {
    var holder = el("div", { "class": "forecast", title: forecast.text,
      "data-point": forecast.point, "data-low": forecast.low, "data-high": forecast.high,
      "data-target": target, "data-probability": forecast.probability_of_target });
    var box = svg("svg", { "class": "forecast-bar", viewBox: "0 0 100 10", preserveAspectRatio: "none",
      role: "img", "aria-label": forecast.text });
    var domain = [forecast.point, forecast.low, forecast.high, target].filter(known);
    if (domain.length) {
      var min = Math.min.apply(null, domain), max = Math.max.apply(null, domain);
      var pad = (max - min) * 0.06 || Math.abs(max) * 0.1 || 1;
      min -= pad; max += pad;
      var x = function (v) { return (100 * (v - min) / (max - min)).toFixed(3); };
      box.appendChild(svg("line", { "class": "axis", x1: 0, x2: 100, y1: 5, y2: 5, "vector-effect": "non-scaling-stroke" }));
      if (known(forecast.low) && known(forecast.high)) {
        box.appendChild(svg("rect", { "class": "interval", x: x(forecast.low), y: 1.5,
          width: (x(forecast.high) - x(forecast.low)).toFixed(3), height: 7 }));
      }
      if (known(target)) {
        box.appendChild(svg("line", { "class": "target-mark", x1: x(target), x2: x(target), y1: 0, y2: 10,
          "vector-effect": "non-scaling-stroke" }));
      }
      if (known(forecast.point)) {
        box.appendChild(svg("line", { "class": "point", x1: x(forecast.point), x2: x(forecast.point), y1: 0.5, y2: 9.5,
          "vector-effect": "non-scaling-stroke" }));
      }
    }
    holder.appendChild(box);
    holder.appendChild(el("span", { "class": "forecast-text" }, forecast.short));
    return holder;
  }

  function card(item, box, values, index, marks) {
    var def = item.def;
    var status = valueAt(values, "status", index) || "no_data";
    var node = el("div", {
      "class": "node " + def.role + (marks.look ? " look-first" : marks.onPath ? " on-path" : ""),
      id: "node-" + def.node_id, "data-node": def.node_id, "data-metric": def.metric_id,
      "data-role": def.role, "data-status": status, tabindex: "0", role: "treeitem",
      title: def.description || def.label
    });
    node.style.left = box.x + "px";
    node.style.top = box.y + "px";
    node.style.width = box.w + "px";
    node.style.height = box.h + "px";
    node.appendChild(el("div", { "class": "label" }, def.label));
    var numbers = el("div", { "class": "values" });
    // a lag-aware conversion whose cohort can still convert has no value to judge yet
    var maturing = status === "maturing";
    numbers.appendChild(el("span", { "class": "actual" },
      maturing ? "maturing" : formatValue(valueAt(values, "actual", index), def.unit)));
    numbers.appendChild(el("span", { "class": "target" }, " / " + formatValue(valueAt(values, "target", index), def.unit)));
    node.appendChild(numbers);
    node.appendChild(sparkline(values, index, def.unit));
    var forecast = forecasts()[def.node_id];
    if (forecast) node.appendChild(forecastBar(forecast, valueAt(values, "target", index)));
    var trend = valueAt(values, "trend", index);
    node.appendChild(el("div", { "class": "status" }, status.replace("_", " ") + " " +
      (maturing ? "\u00b7 not judged yet" : signedPct(valueAt(values, "variance_pct", index))) +
      (trend ? " \u00b7 " + trend : "") +
      (def.role === "diagnostic" ? " \u00b7 diagnostic" : "")));
    var edge = edgeCheck(def);
    if (edge) node.appendChild(el("div", { "class": "edge", title: "its edge to its parent against the history" }, "\u2191 " + edge));
    node.appendChild(el("div", { "class": "owner" }, def.owner || "no owner"));
    if (marks.look) node.appendChild(el("span", { "class": "badge" }, "look here first"));
    return node;
  }

  // the node's edge to its parent against the history (kpi_driver_checks), as text
  function edgeCheck(def) {
    return ((DATA.driver_checks || {})[state.tree + "|" + state.motion] || {})[def.node_id] || "";
  }

  // ------------------------------------------------------------------ details on hover or tap

  function showDetails(item, anchor, pin) {
    var def = item.def;
    var series = currentSeries();
    var index = series.periods.indexOf(state.period);
    var values = series.nodes[def.node_id];
    var open = series.states[index] === "in_progress";
    var lastYear = valueAt(values, "same_period_last_year_actual", index);
    var required = (DATA.required || {})[seriesKey(state) + "|" + state.period] || {};
    var panel = document.getElementById("details");
    panel.textContent = "";
    var close = el("button", { "class": "close", type: "button", "aria-label": "close" }, "\u00d7");
    close.addEventListener("click", hideDetails);
    panel.appendChild(close);
    panel.appendChild(el("h3", {}, def.label));
    panel.appendChild(el("p", { "class": "definition" }, def.description || "No description."));
    var rows = [
      ["Metric", def.metric_id],
      ["Owner", def.owner],
      ["Layer", def.layer],
      ["Role", def.role === "diagnostic" ? "diagnostic: explains its parent, outside the arithmetic" : "driver of its parent"],
      ["Drivers", def.combine ? (def.combine === "sum" ? "summed (+)" : "multiplied (\u00d7)") : null],
      ["Cadence", def.cadence],
      ["Unit", def.unit + ", " + (def.direction || "").replace(/_/g, " ")],
      ["Actual", (valueAt(values, "status", index) === "maturing" ? "none yet: the cohort is maturing"
        : formatValue(valueAt(values, "actual", index), def.unit))],
      ["Target", formatValue(valueAt(values, "target", index), def.unit) +
        (valueAt(values, "target_source", index) ? " (" + valueAt(values, "target_source", index) + ")" : "")],
      ["Variance", signedPct(valueAt(values, "variance_pct", index))],
      ["Status", (valueAt(values, "status", index) || "no_data").replace("_", " ")],
      ["Vs previous", trendText(valueAt(values, "trend", index), valueAt(values, "change_vs_previous_pct", index)) +
        (open ? " (counts and dollars projected)" : "")],
      ["Vs last year", lastYear === null || lastYear === undefined ? null :
        signedPct(valueAt(values, "change_vs_last_year_pct", index)) + " vs " + formatValue(lastYear, def.unit) +
        (open ? " (this period to date)" : "")],
      ["To reach target by " + series.period_ends[index], required[def.node_id]],
      ["Forecast", forecasts()[def.node_id] ? forecasts()[def.node_id].text +
        " (as of " + forecasts()[def.node_id].as_of_date + "; the bar: the 80% interval, the point, the target)" : null],
      ["Pacing", valueAt(values, "pacing_ratio", index) === null || valueAt(values, "pacing_ratio", index) === undefined
        ? null : share(valueAt(values, "pacing_ratio", index)) + " of the prorated target"],
      ["Benchmark", valueAt(values, "benchmark", index) ? valueAt(values, "benchmark", index) + ": " +
        formatValue(valueAt(values, "benchmark_low", index), def.unit) + " to " +
        formatValue(valueAt(values, "benchmark_high", index), def.unit) : null],
      ["Note", valueAt(values, "actual_note", index)],
      ["Edge vs history", edgeCheck(def) ? edgeCheck(def) +
        " (the lag in weeks at which its moves best line up with its parent's; r: the correlation there)" : null]
    ];
    var list = el("dl");
    rows.forEach(function (row) {
      if (row[1] === null || row[1] === undefined || row[1] === "") return;
      list.appendChild(el("dt", {}, row[0]));
      list.appendChild(el("dd", {}, row[1]));
    });
    panel.appendChild(list);
    panel.hidden = false;
    var rect = anchor.getBoundingClientRect();
    var left = rect.right + 10 + window.scrollX;
    if (rect.right + 10 + 330 > document.documentElement.clientWidth) left = Math.max(4, rect.left - 340 + window.scrollX);
    panel.style.left = left + "px";
    panel.style.top = (rect.top + window.scrollY) + "px";
    pinned = pin ? def.node_id : pinned;
  }

  function hideDetails() {
    pinned = null;
    document.getElementById("details").hidden = true;
  }

  // ------------------------------------------------------------------ tables

  function table(header, rows) {
    var node = el("table");
    var head = el("tr");
    header.forEach(function (name) { head.appendChild(el("th", {}, name)); });
    node.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (row) {
      var line = el("tr", row.attrs);
      row.cells.forEach(function (cell) { line.appendChild(el("td", cell.num ? { "class": "num" } : {}, cell.text)); });
      body.appendChild(line);
    });
    node.appendChild(body);
    return node;
  }

  function drawTables(tree, root) {
    var ranked = lookFirst();
    var unit = root.def.unit;
    var series = currentSeries();
    var index = series.periods.indexOf(state.period);
    var whatIf = root.def.label + (series.states[index] === "in_progress" ? " to date" : "") + " if on target";
    var key = seriesKey(state) + "|" + state.period;
    var mix = (DATA.mix_shifts || {})[key] || { lines: [], notes: {} };
    var texts = (DATA.leaf_texts || {})[key] || {}; // render_html.leaf_texts: the gap, what shares are of
    var look = document.getElementById("look-first");
    look.textContent = "";
    if (texts.gap) look.appendChild(el("p", { "class": "gap" }, texts.gap + "."));
    look.appendChild(ranked.length ? table(["Rank", "Driver", "Owner", "Contribution", texts.share_header || "Share", whatIf],
      ranked.map(function (r) {
        var note = mix.notes[r.node_id]; // a mix shift, not a rate problem (formatting.mix_shift_note)
        return { attrs: { "data-node": r.node_id }, cells: [
          { text: r.rank, num: true }, { text: r.label }, { text: r.owner },
          { text: formatValue(r.contribution, unit), num: true },
          { text: share(r.share_of_shortfall) + (note ? " (" + note + ")" : ""), num: true },
          { text: formatValue(r.root_if_driver_on_target, unit), num: true }
        ] };
      })) : el("p", {}, "No driver pulled against the goal in this period."));
    var shifts = document.getElementById("mix-shifts");
    shifts.textContent = "";
    document.getElementById("mix-shifts-heading").hidden = !mix.lines.length;
    mix.lines.forEach(function (line) {
      shifts.appendChild(el("p", { "class": "mix-shift", "data-node": line.node_id }, line.text));
    });
    var helped = (DATA.offsetting || {})[key] || [];
    var offsetting = document.getElementById("offsetting");
    offsetting.textContent = "";
    offsetting.appendChild(helped.length ? table(["Driver", "Owner", "Contribution", whatIf],
      helped.map(function (r) {
        return { attrs: { "data-node": r.node_id }, cells: [
          { text: r.label }, { text: r.owner }, { text: signedValue(r.contribution, unit), num: true },
          { text: formatValue(r.root_if_driver_on_target, unit), num: true }
        ] };
      })) : el("p", {}, "No driver helped against the gap in this period."));
    ((DATA.unexplained || {})[key] || []).forEach(function (part) {
      offsetting.appendChild(el("p", { "class": "unexplained" }, "Not explained by a driver: " +
        formatValue(part.contribution, unit) + " (" + part.reason + "; not ranked)"));
    });
    var cells = (DATA.drill_down || {})[seriesKey(state) + "|" + state.period] || [];
    var drill = document.getElementById("drill-down");
    drill.textContent = "";
    drill.appendChild(cells.length ? table(["Drill-down", "Subgroup", "Driver", "Owner", "Contribution"],
      cells.map(function (c) {
        return { attrs: { "data-node": c.node_id }, cells: [
          { text: c.breakdown.replace(/,/g, " \u00d7 ") }, { text: c.breakdown_value.replace(/,/g, " \u00d7 ") },
          { text: c.label }, { text: c.owner }, { text: formatValue(c.contribution, root.def.unit), num: true }
        ] };
      })) : el("p", {}, "No drill-down for this period."));
    var end = series.period_ends[index];
    var units = {};
    Object.keys(tree.byId).forEach(function (id) { units[id] = tree.byId[id].def.unit; });
    var severity = { critical: 0, warning: 1, info: 2 };
    // kpi_breaches has a row per tree node: this tree's rows name its nodes, owners and actions
    var rows = DATA.breaches.filter(function (b) {
      return b.tree_id === state.tree && b.motion === state.motion && b.period_start >= state.period && b.period_start <= end;
    }).sort(function (a, b) {
      return (severity[a.severity] - severity[b.severity]) || (a.period_start < b.period_start ? -1 : a.period_start > b.period_start ? 1 : 0);
    });
    var holder = document.getElementById("breaches");
    holder.textContent = "";
    holder.appendChild(rows.length ? table(["Severity", "Node", "Period", "Rule", "Observed", "Threshold", "Owner", "Action"],
      rows.map(function (b) {
        return { attrs: { "data-severity": b.severity, "data-node": b.node_id }, cells: [
          { text: b.severity }, { text: b.label }, { text: b.grain + " " + b.period_start }, { text: b.rule },
          { text: ruleValue(b.rule, b.observed, units[b.node_id]), num: true },
          { text: ruleValue(b.rule, b.threshold, units[b.node_id]), num: true },
          { text: b.owner }, { text: b.action }
        ] };
      })) : el("p", {}, "None."));
  }

  // ------------------------------------------------------------------ drawing

  function render() {
    hideDetails();
    fillSwitches();
    writeHash();
    var treeDef = treeById(state.tree);
    var tree = buildTree(treeDef);
    var series = currentSeries();
    var canvas = document.getElementById("canvas");
    canvas.textContent = "";
    document.getElementById("title").textContent = "KPI tree: " + (tree.root ? tree.root.def.label : treeDef.label);
    if (!series || !tree.root) {
      document.getElementById("meta").textContent = "No data for this selection.";
      return;
    }
    var index = series.periods.indexOf(state.period);
    document.getElementById("meta").textContent = treeDef.label + " (" + treeDef.owner + ") \u00b7 motion " +
      state.motion + " \u00b7 " + state.grain + " " + state.period + " to " + series.period_ends[index] +
      " \u00b7 " + series.states[index].replace("_", " ") + (DATA.as_of_date ? " \u00b7 data as of " + DATA.as_of_date : "");
    var wrap = document.getElementById("canvas-wrap");
    var style = getComputedStyle(wrap);
    var width = wrap.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    extraHeight = Object.keys(forecasts()).length ? FORECAST_H : 0;
    document.getElementById("forecast-key").hidden = !extraHeight;
    var placed = layout(tree, width);
    canvas.style.width = placed.width + "px";
    canvas.style.height = placed.height + "px";
    canvas.setAttribute("data-layout", placed.mode);
    var ranked = lookFirst();
    var look = ranked.length ? ranked[0].node_id : null;
    var onPath = look && tree.byId[look] ? pathTo(tree, look) : {};
    canvas.appendChild(drawLinks(tree, placed, onPath));
    walk(tree.root, 0, function (item) {
      var node = card(item, placed.boxes[item.def.node_id], series.nodes[item.def.node_id], index,
        { look: item.def.node_id === look, onPath: !!onPath[item.def.node_id] });
      node.addEventListener("mouseenter", function () { if (!pinned) showDetails(item, node, false); });
      node.addEventListener("mouseleave", function () { if (!pinned) hideDetails(); });
      node.addEventListener("focus", function () { showDetails(item, node, false); });
      node.addEventListener("click", function () { showDetails(item, node, true); });
      canvas.appendChild(node);
      // millions: the numbers in a smaller type rather than the target cut off
      var numbers = node.querySelector(".values");
      if (numbers.scrollWidth > numbers.clientWidth) numbers.classList.add("tight");
    });
    drawTables(tree, tree.root);
  }

  function onSwitch(name) {
    return function (event) {
      var wanted = { tree: state.tree, motion: state.motion, grain: state.grain, period: state.period };
      wanted[name] = event.target.value;
      settle(wanted);
      render();
    };
  }

  ["tree", "motion", "grain", "period"].forEach(function (name) {
    document.getElementById("pick-" + name).addEventListener("change", onSwitch(name));
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hideDetails(); });
  window.addEventListener("hashchange", function () { settle(readHash()); render(); });
  var lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth !== lastWidth) { lastWidth = window.innerWidth; render(); }
  });
  var wanted = readHash();
  settle(Object.keys(wanted).length ? wanted : DATA.initial);
  render();
  document.documentElement.setAttribute("data-ready", "true");
})();
