// The constraints in this database: name and type.
SHOW CONSTRAINTS YIELD name, type
RETURN name, type
ORDER BY name
