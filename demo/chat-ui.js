// The view both demo pages share: it only draws. What goes over the socket lives in
// each page's own script. Everything from the network is inserted with textContent.
(function () {
  'use strict';

  var TRAFFIC_LINES = 200;

  function byId(id) {
    return document.getElementById(id);
  }

  function append(list, item) {
    var atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.appendChild(item);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function line(className, text) {
    var li = document.createElement('li');
    li.className = className;
    li.textContent = text;
    append(byId('messages'), li);
  }

  function clock(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) date = new Date();
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  var me = null;

  window.ChatUI = {
    /** state: idle | connecting | connected | disconnected | failed */
    setStatus: function (state, text) {
      var status = byId('status');
      status.setAttribute('data-state', state);
      status.textContent = text;
    },

    /** Shows the login form, or the message form once logged in as `nick`. */
    setLoggedIn: function (nick) {
      me = nick;
      byId('login').hidden = nick !== null;
      byId('compose').hidden = nick === null;
      if (nick !== null) byId('text').focus();
    },

    setReconnectable: function (on) {
      byId('reconnect').disabled = !on;
    },

    message: function (from, text, iso) {
      var li = document.createElement('li');
      li.className = 'msg';
      var time = document.createElement('time');
      time.textContent = clock(iso);
      if (iso) time.setAttribute('datetime', iso);
      var who = document.createElement('span');
      who.className = 'from';
      who.textContent = from;
      var body = document.createElement('span');
      body.className = 'text';
      body.textContent = text;
      li.appendChild(time);
      li.appendChild(who);
      li.appendChild(body);
      append(byId('messages'), li);
    },

    notice: function (text) {
      line('notice', text);
    },

    error: function (text) {
      line('error', text);
    },

    setTopic: function (text, by) {
      var topic = byId('topic');
      topic.textContent = '';
      var label = document.createElement('b');
      label.textContent = 'Topic: ';
      topic.appendChild(label);
      topic.appendChild(document.createTextNode(text || '(none)'));
      if (by) topic.appendChild(document.createTextNode(' \u2014 set by ' + by));
    },

    setUsers: function (nicks) {
      var list = byId('users');
      list.textContent = '';
      nicks
        .slice()
        .sort(function (a, b) {
          return a.localeCompare(b);
        })
        .forEach(function (nick) {
          var li = document.createElement('li');
          li.textContent = nick;
          if (nick === me) li.className = 'me';
          list.appendChild(li);
        });
      byId('user-count').textContent = String(nicks.length);
    },

    users: function () {
      return Array.prototype.map.call(byId('users').children, function (li) {
        return li.textContent;
      });
    },

    /** One raw XML message in ("in") or out ("out"), as it went over the socket. */
    traffic: function (direction, xml) {
      var list = byId('traffic');
      var li = document.createElement('li');
      li.className = direction;
      li.textContent = xml;
      append(list, li);
      while (list.children.length > TRAFFIC_LINES) list.removeChild(list.firstChild);
    },
  };
})();
