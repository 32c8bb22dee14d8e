// Bytes of Java heap the server uses right now (sampled by bench/detect.py for its peak-heap figure).
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties.used AS used
