// 栏目列表：由 /api/list 接口分页加载，每页 4 条
(function () {
  var list = document.getElementById('list'), pager = document.getElementById('pager');
  var page = 1, pages = 1, size = 4;
  function render(data) {
    var html = [];
    for (var i = 0; i < data.list.length; i++) {
      var r = data.list[i];
      html.push('<li><a href="' + r.url + '" target="_blank">' + r.title + '</a><span class="date">' +
                r.pubDate.substring(0, 10) + '</span></li>');
    }
    list.innerHTML = html.join('');
    pages = Math.ceil(data.total / data.pageSize);
    pager.innerHTML = '<span>第' + page + '页/共' + pages + '页</span>' +
      (page < pages ? '<a href="javascript:;" class="next">下一页</a>' : '<span class="disabled">下一页</span>');
    var next = pager.querySelector('a.next');
    if (next) { next.onclick = function () { load(page + 1); }; }
  }
  function load(n) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/list?column=zfxxgknb&pageNo=' + n + '&pageSize=' + size, true);
    xhr.onload = function () { if (xhr.status === 200) { page = n; render(JSON.parse(xhr.responseText).data); } };
    xhr.send();
  }
  load(1);
})();
