/*! laypage 分页组件 */ window.laypage = {render: function (o) {}};
