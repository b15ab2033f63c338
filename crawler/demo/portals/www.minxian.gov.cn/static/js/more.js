// 加载更多：每次从 /api/more 取下一批，按 id 拼出文章地址
(function () {
  var page = 1, button = document.getElementById('more'), list = document.querySelector('ul.list-items');
  button.onclick = function () {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/more?page=' + (page + 1), true);
    xhr.onload = function () {
      var data = JSON.parse(xhr.responseText);
      page = data.page;
      for (var i = 0; i < data.rows.length; i++) {
        var r = data.rows[i], li = document.createElement('li');
        li.innerHTML = '<a href="/zwgk/zfxxgknb/art/' + r.date.substring(0, 4) + '/' + r.id + '.html">' + r.title +
          '</a><span class="date">' + r.date + '</span>';
        list.appendChild(li);
      }
      if (!data.rows.length || page >= 3) { button.parentNode.removeChild(button); }
    };
    xhr.send();
  };
})();
